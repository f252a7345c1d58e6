"""Forms. The query-string forms (filters.py: the filters of the analyst pages) report an
invalid value on the form and do not apply it; it never causes an error page. The curation forms
(curation.py): the guarded model form and inline formset every admin page uses. The admin's
own tasks (editing.py): importing a version, tagging points, recording stances.
"""

from provisions.forms.curation import (  # noqa: F401
    CuratedForm,
    CuratedInlineFormSet,
    MultilineField,
)
from provisions.forms.editing import (  # noqa: F401
    ImportForm,
    StanceForm,
    TagProvisionsForm,
)
from provisions.forms.filters import (  # noqa: F401
    BoardForm,
    CompareFilterForm,
    FlowForm,
    PlanFilterForm,
    SearchForm,
    TimelineForm,
    VariantsForm,
    VersionPickerForm,
    theme_choices,
)
