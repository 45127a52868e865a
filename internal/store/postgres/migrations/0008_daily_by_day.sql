-- A period's atoms under one dimension, every metric: the weekly review's
-- snapshot and restatement read a week of them. The primary key (dim,
-- metric, day, value) finds them only by scanning every day of the
-- dimension; this finds the week's days directly. Updates of an atom's
-- count leave it alone; only a new atom adds an entry.
CREATE INDEX daily_dim_day ON daily (dim, day);
