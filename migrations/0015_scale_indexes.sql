-- Indexes for the staff tools on years of data: lists and exports walk the reports by the time
-- they were filed (newest or oldest first, in pages), the weekly summary reads one week's
-- reports and the ones closed that week, and the events list sums confirmed seats per event.

CREATE INDEX hazard_reports_by_time ON hazard_reports (created_at);
CREATE INDEX hazard_reports_by_closing ON hazard_reports (closed_at);
