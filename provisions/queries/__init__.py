"""Read side: querysets that carry their own prefetching, named after what they return.

Each page calls one of these, so the number of queries a page makes does not grow with the data.
One module per subject: plans.py (versions, their points and sources), comparing.py, scoring.py
(the scorecard), lineage.py (a point's lineage and history), pickers.py, finding.py (search),
coverage.py (what the dataset holds), rows.py (the API's querysets).
"""

from provisions.queries.comparing import (  # noqa: F401
    COMPARED,
    Comparison,
    changed_counts,
    comparison,
    comparison_statuses,
    comparisons,
    dataset_stamp,
)
from provisions.queries.coverage import (  # noqa: F401
    dataset_coverage,
)
from provisions.queries.finding import (  # noqa: F401
    MATCH_START,
    MATCH_STOP,
    SEARCH_CANDIDATES,
    SEARCH_LIMIT,
    SearchResults,
    containing,
    search,
    word_forms,
)
from provisions.queries.lineage import (  # noqa: F401
    LINEAGE_STEPS,
    LineageEntry,
    parse_as_of,
    parse_moment,
    provision_as_of,
    provision_history,
    provision_lineage,
)
from provisions.queries.pickers import (  # noqa: F401
    PICKER_VERSIONS,
    PickerVersions,
    picker_label,
    picker_versions,
)
from provisions.queries.plans import (  # noqa: F401
    TIMELINE_PAGE,
    board_parties,
    plan_citations,
    plan_timeline,
    provision_detail,
    provision_list,
    tags,
    themes,
    timeline,
)
from provisions.queries.rows import (  # noqa: F401
    plan_rows,
    provision_full_rows,
    provision_rows,
)
from provisions.queries.scoring import (  # noqa: F401
    SCORE_COLUMNS,
    SCORE_PAGE,
    Scorecard,
    ScoreColumn,
    scorecard,
)
