from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "results"

    def ready(self) -> None:
        # Imported here, not at the top: models are not loaded when apps.py is imported.
        from portal import hooks
        from results import participant_hooks
        from results.consent_pause import results_resume
        from results.demo import seed_demo_results_logins
        from results.documents import REPORTS_FOLDER
        from results.home_panel import results_home_panel
        from results.manifests import SAMPLES_FOLDER, import_roots
        from results.services.withholding import gror_withdrawn_hook, withdrawal_effect

        hooks.register_gror_withdrawn_hook(gror_withdrawn_hook)
        hooks.register_data_use_resumed_hook(results_resume)
        hooks.register_withdrawal_effect(withdrawal_effect)
        hooks.register_home_panel(results_home_panel)
        hooks.register_merge_mover("samples", participant_hooks.move_samples)
        hooks.register_data_export_section(participant_hooks.data_export_reports)
        hooks.register_kit_progress(participant_hooks.kit_progress)
        # Report PDFs and sample VCFs: portal.storage_sweep deletes files no row names.
        # Every name column counts for every folder; a ClinVar release file (knowledge/,
        # never swept) is named by KnowledgeBaseRelease.clinvar_file.
        hooks.register_private_files(
            REPORTS_FOLDER, columns=[("results.ReportDocument", "file_name")]
        )
        hooks.register_private_files(
            SAMPLES_FOLDER,
            columns=[
                ("results.Sample", "vcf_name"),
                ("results.KnowledgeBaseRelease", "clinvar_file"),
            ],
            never_sweep=import_roots,
        )
        hooks.register_demo_seeder("results", seed_demo_results_logins, order=40)
