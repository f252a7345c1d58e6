"""The REST API: viewsets over `queries`, writes through `services`.

Anonymous clients read (throttled); authenticated users write what their model permissions
allow (Editors everything, Analysts assessments and correspondences). Every error is JSON.
The guarded viewsets of the record are in resources.py, the read-only views built on it in
reading.py (changes, the board, comparisons, the export, collations), citing the dataset and
its releases in citing.py, on the shared base of base.py.
"""

from provisions.api.views.base import (  # noqa: F401
    TrackerViewSet,
    api_exception_handler,
    refuse_unknown_parameters,
)
from provisions.api.views.citing import (  # noqa: F401
    CiteView,
    ReleaseCiteView,
    ReleaseViewSet,
)
from provisions.api.views.reading import (  # noqa: F401
    BoardView,
    ChangesView,
    CollationView,
    CompareView,
    ExportView,
    RootView,
)
from provisions.api.views.resources import (  # noqa: F401
    AssessmentViewSet,
    CitationViewSet,
    CorrespondenceViewSet,
    PartyViewSet,
    PlanViewSet,
    PositionViewSet,
    ProvisionViewSet,
    SourceViewSet,
    TagViewSet,
    ThemeViewSet,
)
