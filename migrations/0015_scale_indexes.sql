-- Indexes for the staff tools on years of data: lists and exports walk the reports by the time
-- they were filed (newest or oldest first, a chunk at a time), and the weekly summary counts one
-- week's reports and the ones closed that week.

CREATE INDEX hazard_reports_by_time ON hazard_reports (created_at);
CREATE INDEX hazard_reports_by_closing ON hazard_reports (closed_at);
