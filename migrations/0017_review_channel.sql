-- Where a topic was reviewed: '' in chat or at the command line, 'workbench' on the staff
-- workbench's pages (shown in the topic's history as （工作台）, as hazard history does).

ALTER TABLE topic_reviews ADD COLUMN channel TEXT NOT NULL DEFAULT '';
