"""build_report_context: plain language first, details, both languages, limits."""

import pytest

from results.reports import build_report_context

from .conftest import PARTICIPANT_ID


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("report_type", ["pgx", "disease_risk", "traits"])
def test_every_report_type_has_plain_language_then_details(
    make_context, interpretation, report_type, language
):
    context = make_context(report_type, interpretation, language)
    assert context["language"] == language
    assert context["participant_id"] == PARTICIPANT_ID
    for key in ("found", "means", "not_mean", "next_steps"):
        assert context["summary"][key], key
    assert context["counselling"]["phone"] and context["counselling"]["email"]
    assert context["reference"]["methods"] and context["reference"]["limitations"]
    assert context["knowledge_base"]["release"].startswith("cohort-genomics-kb@")
    assert context["chart"]["rows"]


def test_pgx_details_and_spanish_labels(make_context, interpretation):
    en = make_context("pgx", interpretation, "en")
    es = make_context("pgx", interpretation, "es")
    genes = {g["gene"]: g for g in en["genes"]}
    assert genes["CYP2C19"]["diplotypes"] == ["*1/*2"]
    assert genes["CYP2C19"]["status"] == "changed"
    assert genes["CYP2C19"]["phenotype_label"] == "Intermediate Metabolizer"
    es_genes = {g["gene"]: g for g in es["genes"]}
    assert es_genes["CYP2C19"]["phenotype_label"] == "Metabolizador intermedio"
    assert es_genes["CYP2D6"]["phenotype_label"] == "Metabolizador lento"
    assert es["summary"]["found"][0].startswith(f"Revisamos {len(interpretation['pgx'])} genes")
    # CPIC text stays English source data; the plain summary is Spanish.
    drug = next(d for d in es["drugs"] if d["drug_display"] == "clopidogrel" and d["actionable"])
    assert drug["recommendation_en"].startswith("Avoid standard dose")
    assert drug["action_text"].startswith("Es posible que este medicamento")
    assert drug["classification_label"] == "Fuerte"


def test_pgx_limitations_say_cyp2d6_has_no_copy_number(make_context, interpretation):
    limits = " ".join(make_context("pgx", interpretation)["reference"]["limitations"])
    assert "CYP2D6" in limits and "copy-number" in limits and "*5" in limits


def test_guidance_sections_hold_no_participant_data(make_context, interpretation):
    one = make_context("pgx", interpretation, participant_id="P-1")
    two = make_context("pgx", interpretation, participant_id="P-2")
    assert [s["key"] for s in one["guidance"]] == [s["key"] for s in two["guidance"]]
    assert "P-1" not in repr(one["guidance"]) and "P-1" not in repr(one["reference"])


def test_sample_id_is_never_copied(make_context, interpretation):
    assert interpretation["sample"] == "NA12878"
    for report_type in ("pgx", "disease_risk", "traits"):
        assert "NA12878" not in repr(make_context(report_type, interpretation))


def test_negative_disease_risk_states_its_limits(make_context, interpretation):
    context = make_context("disease_risk", interpretation)
    assert context["is_positive"] is False
    assert "no harmful change in the 81 genes" in context["summary"]["found"][0]
    # Exactly which genes were examined, and the residual risk.
    assert len(context["genes_examined"]) == 81 and "BRCA1" in context["genes_examined"]
    means = " ".join(context["summary"]["means"])
    assert "lowers your risk a little, but it does not remove it" in means
    not_mean = " ".join(context["summary"]["not_mean"])
    assert "does not mean that you have no risk" in not_mean
    assert "family history still matters" in not_mean
    limits = " ".join(context["reference"]["limitations"])
    assert "not at all genes" in limits
    assert "does not find all types of DNA changes" in limits


def test_positive_disease_risk(make_context, positive_interpretation):
    context = make_context("disease_risk", positive_interpretation, "es")
    assert context["is_positive"] is True
    assert context["findings"][0]["hgvs"] == "NC_000013.11:g.32340300G>A"
    assert context["findings"][0]["zygosity_label"] == "heterocigota (una copia)"
    assert "BRCA2" in context["summary"]["found"][0]


def test_counselling_contact_comes_from_settings(make_context, interpretation, settings):
    settings.RESULTS_COUNSELLING_CONTACT = {"phone": "1-800-555-0100"}
    context = make_context("pgx", interpretation)
    assert context["counselling"]["phone"] == "1-800-555-0100"
    assert context["counselling"]["email"]  # the default fills what settings leave out


def test_bad_arguments(interpretation):
    common = {"participant_id": "P", "released_on": None, "report_version": 1}
    with pytest.raises(ValueError, match="report type"):
        build_report_context(
            report_type="ancestry", interpretation=interpretation, language="en", **common
        )
    with pytest.raises(ValueError, match="language"):
        build_report_context(
            report_type="pgx", interpretation=interpretation, language="fr", **common
        )
