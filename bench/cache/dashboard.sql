SELECT status, count(*) AS orders, sum(amount) AS revenue, avg(amount) AS avg_order FROM gold.orders WHERE created_at >= '2026-11-01' GROUP BY status ORDER BY status;
