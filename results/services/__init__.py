"""Writes of the results app, one module per area. Reads are in `results.selectors`.

- `report_states`: the state machine (`report_transition`, `TRANSITIONS`) and viewing;
- `interpretation_queue`: queue, claim and run the interpretation of a sample;
- `report_building`: reports from an interpretation, and moving ready reports on;
- `review`: counsellor review, release, contacts, re-contacts, QC decisions, confirmation;
- `preferences`: the participant's per-type choices;
- `withholding`: withdrawal and gror (hooks registered by results.apps);
- `reinterpretation`: a new knowledge-base release, queued through the outbox;
- `reminders`: counselling reminders.
"""
