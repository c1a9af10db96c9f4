-- Several processes on one database (PostgreSQL): which worker took each update in (its host
-- and HTTP port: the same slot after a restart). A restarted worker takes up its own unanswered
-- updates at once; another worker's only once they have waited long enough (that one stopped).

ALTER TABLE inbox ADD COLUMN worker TEXT;
