-- Indexes for 随手拍's daily limits (services/reports-public.ts#refuseOverDailyLimits, asked before any
-- body is read and again inside the storing transaction): reports of one device since today's midnight,
-- of one network address (its keyed hash) since then, and of the whole district since then. Without
-- them each check scans every report ever sent. The address hashes are forgotten after the abuse window
-- (purgeReportAddressHashes), so that index holds only the rows that still have one.
CREATE INDEX citizen_reports_device ON citizen_reports(device, created_at);
CREATE INDEX citizen_reports_addr ON citizen_reports(addr_hash, created_at) WHERE addr_hash IS NOT NULL;
CREATE INDEX citizen_reports_created ON citizen_reports(created_at);
