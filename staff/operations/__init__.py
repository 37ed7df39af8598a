"""Program-operations figures for the recruitment dashboards (aggregates only)."""
