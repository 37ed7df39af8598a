"""The genomics engine: VCF intake, PGx calling, disease risk, traits, sample QC.

Pure Python with no Django import (an import-linter contract in CI enforces it), so it runs
the same in a Celery worker, a management command or a notebook, and its tests need no database.
"""
