// Progressive enhancement only: every page works without JavaScript.
// A second click on a submit button does nothing (the server also refuses
// duplicates; this just spares people on slow phones the confusion).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.submitted === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
  window.setTimeout(() => { form.dataset.submitted = ""; }, 8000);
});

// An error summary is moved into view and focused, so it is the first thing read.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});

// The browser's time zone, for pages shown before a participant's profile names a state.
try {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && !document.cookie.split("; ").some((c) => c === "tz=" + zone)) {
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
  }
} catch (error) {
  // Very old browsers: times stay in UTC, labelled as such.
}
