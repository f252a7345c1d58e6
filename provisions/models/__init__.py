"""The data model: plan versions, their numbered provisions, and the evidence behind them.

Models hold fields, constraints, natural keys and small derived values only. Rules that span
rows or models (importing, linking, the stale-revision guard) live in `services.py`. One module
per part of the record: base.py (labels, the guarded base classes), record.py (parties, themes,
tags, versions and their points), evidence.py (sources, citations), analysis.py (assessments,
links, positions, search terms), publishing.py (coverage, releases).
"""

from provisions.models.analysis import (
    Assessment,
    Correspondence,
    Position,
    SearchTerm,
)
from provisions.models.base import (  # noqa: F401
    LABEL_RE,
    MAX_NUMBER,
    MAX_POSITION,
    Authored,
    Curated,
    ModifiedAtField,
    display_label,
    split_label,
)
from provisions.models.evidence import (  # noqa: F401
    Citation,
    Source,
    VariantMemo,
)
from provisions.models.publishing import (  # noqa: F401
    COVERAGE_HEADER,
    Coverage,
    Release,
)
from provisions.models.record import (
    Party,
    Plan,
    Provision,
    Tag,
    Theme,
)

# Every model whose rows the pages show (search reads the search terms): the dataset stamp
# (provisions.caching) watches them.
TRACKED_MODELS = (
    Party, Theme, Tag, Plan, Provision, Source, Citation, Assessment, Correspondence, Coverage,
    Position, SearchTerm,
)  # fmt: skip
