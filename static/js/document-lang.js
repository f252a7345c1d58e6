// The API documentation pages come from drf-spectacular's templates, whose <html> element names
// no language; say it is English (screen readers pick their voice by it).
document.documentElement.setAttribute("lang", "en");
