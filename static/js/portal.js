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
