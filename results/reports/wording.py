"""What the participant reads, in our own plain words (English and Spanish).

Written for a reader at school grade 8 or below (a test measures the English text with
Flesch-Kincaid). CPIC's and ClinVar's own texts are clinician language: they appear only in
the clinician appendix, marked as English where they have no translation. Every string here
has a Spanish translation in results/locale/es (a test checks that no English sentence from
this catalogue is left in a Spanish report's participant part).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _

# ------------------------------------------------------------------ one sentence per result
# Phenotype class → what it means, in one short sentence.
PHENOTYPE_CLASS = {
    "Normal Metabolizer": "usual",
    "Normal Function": "usual",
    "Normal": "usual",
    "G6PD Normal": "usual",
    "Rapid Metabolizer": "faster",
    "Ultrarapid Metabolizer": "much_faster",
    "Intermediate Metabolizer": "slower",
    "Likely Intermediate Metabolizer": "slower",
    "Possible Intermediate Metabolizer": "slower",
    "Poor Metabolizer": "much_slower",
    "Likely Poor Metabolizer": "much_slower",
    "Decreased Function": "less_work",
    "Possible Decreased Function": "less_work",
    "Poor Function": "much_less_work",
    "Increased Function": "more_work",
    "Deficient": "g6pd_low",
    "Deficient with CNSHA": "g6pd_low",
    "Variable": "g6pd_low",
    "G6PD Deficient": "g6pd_low",
    "G6PD Deficient with CNSHA": "g6pd_low",
    "G6PD Variable": "g6pd_low",
    "Malignant Hyperthermia Susceptibility": "mhs",
    "Uncertain Susceptibility": "no_mhs_found",
    "Favorable response genotype": "good_response",
    "Unfavorable response genotype": "weak_response",
    "-1639 GG": "usual",
    "-1639 AG": "more_sensitive",
    "-1639 AA": "more_sensitive",
    "increased risk of aminoglycoside-induced hearing loss": "hearing_risk",
    "normal risk": "usual",
}

PLAIN = {
    "usual": _("Your body uses these medicines in the usual way."),
    "faster": _("Your body clears these medicines a bit faster than most people."),
    "much_faster": _("Your body clears these medicines much faster than most people."),
    "slower": _("Your body clears these medicines more slowly than most people."),
    "much_slower": _("Your body clears these medicines very slowly."),
    "less_work": _("This gene works less well, so these medicines can build up in your body."),
    "much_less_work": _("This gene works much less well. These medicines can build up."),
    "more_work": _("This gene works more than usual."),
    "g6pd_low": _("Some medicines can harm your red blood cells."),
    "mhs": _(
        "Some drugs used to put you to sleep for surgery can cause a very dangerous reaction."
    ),
    "no_mhs_found": _("We did not find a change linked to a bad reaction to surgery drugs."),
    "good_response": _("These medicines are likely to work well for you."),
    "weak_response": _("These medicines may work less well for you."),
    "more_sensitive": _("A smaller dose of this medicine may be enough for you."),
    "hearing_risk": _("Some strong antibiotics could harm your hearing."),
    "hla_positive": _("You carry a gene type that can cause a serious skin or allergy reaction."),
    "hla_negative": _("You do not carry the gene type linked to this reaction."),
    "other": _("Your result is not the most common one for this gene."),
}

# --------------------------------------------------------------- which medicines, per gene
# Plain names of the medicines each gene affects (generic names are the same in Spanish).
MEDICINES = {
    "ABCG2": _("rosuvastatin (for cholesterol)"),
    "CACNA1S": _("some drugs used to put you to sleep for surgery"),
    "CFTR": _("ivacaftor (for cystic fibrosis)"),
    "CYP2B6": _("efavirenz (for HIV)"),
    "CYP2C19": _("clopidogrel (a blood thinner), some drugs for low mood and for stomach acid"),
    "CYP2C9": _("warfarin, phenytoin and some pain pills"),
    "CYP2D6": _("codeine, tramadol, tamoxifen and some drugs for low mood"),
    "CYP3A4": _("some drugs, such as tacrolimus"),
    "CYP3A5": _("tacrolimus (used after a transplant)"),
    "CYP4F2": _("warfarin (a blood thinner)"),
    "DPYD": _("fluorouracil and capecitabine (for cancer)"),
    "G6PD": _("some malaria drugs, rasburicase and some other drugs"),
    "HLA-A": _("carbamazepine (for seizures)"),
    "HLA-B": _("abacavir, allopurinol, carbamazepine and some other drugs"),
    "IFNL3": _("some hepatitis C drugs"),
    "MT-RNR1": _("some strong antibiotics, such as gentamicin"),
    "NAT2": _("isoniazid (for TB)"),
    "NUDT15": _("azathioprine and mercaptopurine (for the immune system)"),
    "RYR1": _("some drugs used to put you to sleep for surgery"),
    "SLCO1B1": _("statins (for cholesterol)"),
    "TPMT": _("azathioprine and mercaptopurine (for the immune system)"),
    "UGT1A1": _("atazanavir (for HIV) and irinotecan (for cancer)"),
    "VKORC1": _("warfarin (a blood thinner)"),
}

# ------------------------------------------------------------------------ what to do
TODO_BEFORE = _("Show this result to your doctor or pharmacist before you start %(medicines)s.")
TODO_KEEP = _("No change is needed now. Keep this result for your doctor.")
TODO_MHS = [
    _("Before any surgery, tell every anesthesiologist. That is the doctor who puts you to sleep."),
    _("Tell your dentist and your family doctor too."),
    _("Think about wearing a medical alert bracelet that says you have this risk."),
]
TODO_G6PD = _("Show this result to your doctor or pharmacist before you take a new medicine.")

# ---------------------------------------------------- why a gene could not be read, plainly
REASONS = {
    "missing_core_positions": _("Some key parts of this gene could not be read in your sample."),
    "no_call": _("The lab could not read this part of your DNA."),
    "half_call": _("Only one of your two copies of this gene could be read."),
    "unnormalised_indel": _("The data for this gene was in a form we cannot read yet."),
    "needs_outside_call": _("This gene needs a different kind of test. We did not do it."),
    "no_data": _("Your sample has no data for this gene."),
    "ambiguous_phenotype": _("Your DNA fits more than one result, and they mean different things."),
    "novel_allele": _("You have a rare change we do not know how to read."),
    "low_quality": _("The reading for this gene was not clear enough to trust."),
    None: _("We could not read this gene well enough to give a result."),
}

# ------------------------------------------------------------------------- group headings
GROUP_ACTION = _("Results that may change a medicine")
GROUP_TYPICAL = _("Typical results")
GROUP_UNREAD = _("Not tested or could not be read")
MORE_THAN_ONE = _("more than one possibility")
MORE_THAN_ONE_SAME = _("Your DNA fits more than one result, but they all mean the same thing.")

# ------------------------------------------------------------------------- disease risk
# Condition-specific next steps for a positive finding, by gene (others: the general ones).
POSITIVE_STEPS = {
    "RYR1": TODO_MHS,
    "CACNA1S": TODO_MHS,
    "BRCA1": [
        _("Ask your doctor about extra breast checks, such as a yearly MRI."),
        _("Ask about ways to lower your risk of breast and ovary cancer."),
    ],
    "BRCA2": [
        _("Ask your doctor about extra breast checks, such as a yearly MRI."),
        _("Ask about ways to lower your risk of breast and ovary cancer."),
    ],
    "MLH1": [_("Ask your doctor about a colon check (colonoscopy) every one to two years.")],
    "MSH2": [_("Ask your doctor about a colon check (colonoscopy) every one to two years.")],
    "MSH6": [_("Ask your doctor about a colon check (colonoscopy) every one to two years.")],
    "PMS2": [_("Ask your doctor about a colon check (colonoscopy) every one to two years.")],
    "LDLR": [_("Ask your doctor to check your cholesterol and to talk about treatment.")],
    "APOB": [_("Ask your doctor to check your cholesterol and to talk about treatment.")],
    "PCSK9": [_("Ask your doctor to check your cholesterol and to talk about treatment.")],
}
POSITIVE_STEPS_GENERAL = [
    _("Ask your doctor which checks can find problems early for this condition."),
]
POSITIVE_COMMON = [
    _("A genetic counselor will call you to talk about this result. You can call them first."),
    _("A clinical lab has checked this result again with a second test."),
    _("Share the letter for your doctor. It comes with this report."),
    _("Your parents, brothers, sisters and children may have the same change."),
    _("They can get tested for this one change. The family letter can help."),
]

NEGATIVE_RESIDUAL = [
    _("We found no harmful change in the genes listed below."),
    _("This lowers your risk a little, but it does not remove it."),
    _("Most people who get cancer or heart disease have no change in these genes."),
    _("Some kinds of changes cannot be seen with this test."),
    _("Keep having the checks your doctor suggests. Tell your doctor about your family health."),
]

# ------------------------------------------------------------------------------- traits
TRAIT_UNREAD = _("could not be read")
TRAIT_UNREAD_WHY = _("We could not read this spot in your DNA, so we show no result.")


def catalogue_english() -> list[str]:
    """Every participant sentence above, in English (for the readability and language tests).

    The medicine lists are left out of the readability measure: drug names are long words
    that a reader needs to see spelled exactly, whatever their grade level.
    """
    with translation.override("en"):
        return _catalogue()


def _catalogue() -> list[str]:
    texts: list[str] = [str(v) for v in PLAIN.values()]
    texts += [str(TODO_KEEP), str(TODO_G6PD), *(str(t) for t in TODO_MHS)]
    texts += [str(v) for v in REASONS.values()]
    texts += [str(MORE_THAN_ONE_SAME)]
    for steps in POSITIVE_STEPS.values():
        texts += [str(s) for s in steps]
    texts += [str(s) for s in (*POSITIVE_STEPS_GENERAL, *POSITIVE_COMMON, *NEGATIVE_RESIDUAL)]
    texts += [str(TRAIT_UNREAD_WHY)]
    return list(dict.fromkeys(texts))


def medicine_lists_english() -> list[str]:
    with translation.override("en"):
        return [str(v) for v in MEDICINES.values()]
