-- 交叉检查组 accounts work only during their assignment (检查期, Beijing dates, both inclusive,
-- 'YYYY-MM-DD'). NULL for every other role and for accounts created before this migration.
ALTER TABLE users ADD COLUMN active_from TEXT;
ALTER TABLE users ADD COLUMN active_until TEXT;
