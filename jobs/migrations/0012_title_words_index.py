"""A title-only lexeme space: a GIN index on the title's own words, with statistics of its own.

The best relevance tier ("every word, exactly, in the title") was `search_title @@ 'word:A'`
over the title-and-skills document. Its GIN index cannot test a weight, so for a word that is
mostly a skill ("javascript", "go") it found every posting with that skill and rechecked each
row's weights; and the planner, whose statistics do not know weights either, priced the tier
as if every skill were a title word and walked the posted_at index looking for titles that
never came (4.7 s for "javascript" at a million).

`jobs_title_words(title)`: the title's words, unstemmed, technology names as words (the same
jobs_search_terms rules). Indexed as an expression, so:
- no column is added and no row is rewritten (the index is built CONCURRENTLY: reads only);
- ANALYZE keeps statistics on the expression, so the planner knows how many *titles* hold a
  word, and a plain word needs no recheck of anything.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION jobs_title_words(p_title text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('simple'::regconfig, jobs_search_terms(p_title))
$$;
"""
INDEX = "job_title_words_gin"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON jobs_job USING gin (jobs_title_words(title))")
    # The expression's statistics (how many titles hold each word) come with the next ANALYZE:
    # take them now rather than plan on defaults until autovacuum gets round to it.
    schema_editor.execute("ANALYZE jobs_job")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute("DROP FUNCTION IF EXISTS jobs_title_words(text)")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("jobs", "0011_search_terms")]

    operations = [migrations.RunPython(forward, backward)]
