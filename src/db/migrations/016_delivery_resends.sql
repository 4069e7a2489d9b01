-- #21 review: a delivery the office has resent is settled — the log lists it with the rows that need no
-- attention, shows which row resent it, and it cannot be resent a second time. Both questions ("has this row
-- been resent?") read deliveries by resend_of.
CREATE INDEX deliveries_resend ON deliveries(resend_of) WHERE resend_of IS NOT NULL;
