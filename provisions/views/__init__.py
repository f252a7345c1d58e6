"""HTML views: look up, call a query, render. No rules live here.

Every URL renders a complete page; a plain htmx swap gets only the named partial of the same
template (see `rendering.render_page`). One module per family of pages: plans.py (versions,
points, the board), compare.py, pictures.py (flows, lineage, the timeline), analysis.py
(search, where sources disagree, the scorecard), releases.py, errors.py.
"""

from provisions.views.analysis import (  # noqa: F401
    scorecard,
    search,
    variants,
)
from provisions.views.compare import (  # noqa: F401
    compare,
    compare_export,
    compare_pick,
)
from provisions.views.errors import (  # noqa: F401
    bad_request,
    not_found,
    permission_denied,
    server_error,
)
from provisions.views.pictures import (  # noqa: F401
    compare_flow,
    flow,
    point_lineage_picture,
    timeline,
    timeline_picture,
)
from provisions.views.plans import (  # noqa: F401
    board,
    board_export,
    health,
    plan_detail,
    plan_list,
    provision_detail,
)
from provisions.views.releases import (  # noqa: F401
    release_detail,
    release_download,
    release_list,
)
