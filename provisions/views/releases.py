"""The citable releases: the list, one release, its files."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from provisions import citing, files, releases
from provisions.models import Release


@require_safe
def release_list(request):
    items = [
        (release, [entry for entry in releases.changes_since_previous(release) if entry.total])
        for release in Release.objects.defer("frozen")
    ]
    return render(request, "provisions/release_list.html", {"items": items})


@require_safe
def release_detail(request, number: int):
    release = get_object_or_404(Release.objects.defer("frozen"), number=number)
    url = request.build_absolute_uri(release.get_absolute_url())
    downloads = []
    for name, label in RELEASE_DOWNLOADS.items():
        path = releases.release_dir(release) / name
        downloads.append((name, label, path.stat().st_size if path.exists() else None))
    context = {
        "release": release,
        "citation": citing.release_citation(release, url),
        "changes": [entry for entry in releases.changes_since_previous(release) if entry.total],
        "changes_base": (
            Release.objects.filter(number__lt=number)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        ),
        "downloads": downloads,
    }
    return render(request, "provisions/release_detail.html", context)


RELEASE_DOWNLOADS = {
    "package.zip": "Frictionless data package (one CSV per table, datapackage.json, codebook)",
    "export.json": "JSON records with ids (loadable with manage.py loaddata)",
}


@require_safe
def release_download(request, number: int, name: str):
    """A release's file: written once, served with its ETag and length (304 when unchanged)."""
    release = get_object_or_404(Release.objects.defer("frozen"), number=number)
    if name not in RELEASE_DOWNLOADS:
        raise Http404("No such download.")
    try:
        # the frozen rows load only if the file has to be written
        path = (releases.package_file if name == "package.zip" else releases.export_file)(release)
    except releases.FileInProgress:
        response = HttpResponse(
            "This release's file is being written. Please try again in a few seconds.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "5"
        return response
    return files.download(
        request,
        path,
        etag=releases.file_etag(path),
        content_type="application/zip" if name.endswith(".zip") else "application/json",
        filename=f"peace-plan-tracker-release-{release.number}-{name}",
        cache="public, max-age=86400, immutable",
    )
