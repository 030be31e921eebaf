"""The name-search index: substring search over `beneficiaries.search_text` at scale.

`search_text` holds each person's folded names; a search asks for every query word as a
substring of it. A plain `LIKE '%word%'` reads every row (a second at a million people),
so each database gets a trigram index that answers substring queries:

- SQLite: an FTS5 table with the trigram tokenizer (`beneficiary_search`), an external-
  content index of `beneficiaries.search_text` kept in step by triggers (migration 0007);
- PostgreSQL: a GIN index with pg_trgm's operator class, which `LIKE '%word%'` uses as it
  is (migration 0007 creates the extension).

Trigrams need words of three characters or more; shorter words fall back to LIKE over the
rows the longer words already found (or over all rows if there are none).
"""

from __future__ import annotations

from sqlalchemy import and_, column, select, table, text

from casework.models import Beneficiary

FTS_TABLE = "beneficiary_search"
PG_TRIGRAM_INDEX = "ix_beneficiaries_search_text_trgm"
MIN_TRIGRAM = 3

_fts = table(FTS_TABLE, column("rowid"))


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic: the index objects above are made by hand, not by the models."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    return not (type_ == "index" and name == PG_TRIGRAM_INDEX)


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def words_condition(words: list[str], dialect: str):
    """Every word a substring of the person's folded names, through the index."""
    like_all = and_(*(Beneficiary.search_text.contains(w, autoescape=True) for w in words))
    if dialect != "sqlite":
        return like_all  # PostgreSQL's trigram index serves LIKE '%word%' directly
    long_words = [w for w in words if len(w) >= MIN_TRIGRAM]
    if not long_words:
        return like_all
    query = " AND ".join(_fts_phrase(w) for w in long_words)
    matching = select(_fts.c.rowid).where(text(f"{FTS_TABLE} MATCH :fts_query"))
    found = Beneficiary.id.in_(matching.params(fts_query=query))
    short = [w for w in words if len(w) < MIN_TRIGRAM]
    if not short:
        return found
    return and_(found, *(Beneficiary.search_text.contains(w, autoescape=True) for w in short))
