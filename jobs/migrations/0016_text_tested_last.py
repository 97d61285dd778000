"""The search text tested after a posting's other filters, not before (PostgreSQL only).

A row test of `search_vector @@ query` decompresses the posting's 1-2 kB document (often read
from its TOAST table: ~3 buffers a row); a test of a column (job type, remote policy, location,
salary, skills) reads a few bytes of the row already in hand. PostgreSQL orders a scan's filters
by their cost, and prices both as one operator: walking the posted_at index for the newest
matches of 'regress' in a location it tested the text first on every row walked, and the
location only on the rows that held the word (5,463 documents decompressed to keep 21, 27,373
buffers, 29 ms warm and 78-150 ms with the heap out of shared buffers, at a million postings).

`jobs_tested_last(query)` returns its argument; declared STABLE, it is not folded into a
constant when the statement is planned, and its COST (10 operators) orders the match after the
column tests, which cost one to three. What it does not change:
- the GIN index still serves the match (an index condition may hold a stable expression,
  computed once when the scan starts);
- the planner's estimates: it computes stable functions of constants to estimate a condition,
  so the word's statistics are read as before;
- each row's work: a plpgsql call returning its argument on rows that passed the other filters.
COST 10, not more: the cost is also charged per row fetched, and at 100 the planner ANDed the
posted_at index's 852,000 entries into a bitmap to spare heap rows.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION jobs_tested_last(p_query tsquery) RETURNS tsquery
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE COST 10 AS $$
BEGIN
    RETURN p_query;
END
$$;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP FUNCTION IF EXISTS jobs_tested_last(tsquery)")


class Migration(migrations.Migration):
    dependencies = [("jobs", "0015_facet_combination_indexes")]

    operations = [migrations.RunPython(forward, backward)]
