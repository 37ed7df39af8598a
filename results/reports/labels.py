"""Translatable words for report data that arrives in English from the knowledge base.

The interpretation JSON carries PharmCAT/CPIC/ClinVar vocabulary in English. Participants
read these words in their own language, so the common ones are mapped here; anything not
mapped is shown as it came (it is source data, and the templates say so where it matters).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Status of one gene (or one trait) in the chart and the tables.
TYPICAL = "typical"
CHANGED = "changed"
NOT_DETERMINED = "not_determined"

STATUS_LABELS = {
    TYPICAL: _("typical"),
    CHANGED: _("changed"),
    NOT_DETERMINED: _("not determined"),
}

PHENOTYPE_LABELS = {
    "Normal Metabolizer": pgettext_lazy("phenotype", "Normal Metabolizer"),
    "Intermediate Metabolizer": pgettext_lazy("phenotype", "Intermediate Metabolizer"),
    "Poor Metabolizer": pgettext_lazy("phenotype", "Poor Metabolizer"),
    "Rapid Metabolizer": pgettext_lazy("phenotype", "Rapid Metabolizer"),
    "Ultrarapid Metabolizer": pgettext_lazy("phenotype", "Ultrarapid Metabolizer"),
    "Likely Intermediate Metabolizer": pgettext_lazy(
        "phenotype", "Likely Intermediate Metabolizer"
    ),
    "Likely Poor Metabolizer": pgettext_lazy("phenotype", "Likely Poor Metabolizer"),
    "Possible Intermediate Metabolizer": pgettext_lazy(
        "phenotype", "Possible Intermediate Metabolizer"
    ),
    "Normal Function": pgettext_lazy("phenotype", "Normal Function"),
    "Decreased Function": pgettext_lazy("phenotype", "Decreased Function"),
    "Possible Decreased Function": pgettext_lazy("phenotype", "Possible Decreased Function"),
    "Poor Function": pgettext_lazy("phenotype", "Poor Function"),
    "Increased Function": pgettext_lazy("phenotype", "Increased Function"),
    "Indeterminate": pgettext_lazy("phenotype", "Indeterminate"),
    "Uncertain Susceptibility": pgettext_lazy("phenotype", "Uncertain Susceptibility"),
    "Malignant Hyperthermia Susceptibility": pgettext_lazy(
        "phenotype", "Malignant Hyperthermia Susceptibility"
    ),
    "G6PD Normal": pgettext_lazy("phenotype", "G6PD Normal"),
    # G6PD in the engine's newer (CPIC) vocabulary.
    "Normal": pgettext_lazy("phenotype", "Normal"),
    "Deficient": pgettext_lazy("phenotype", "Deficient"),
    "Deficient with CNSHA": pgettext_lazy("phenotype", "Deficient with CNSHA"),
    "Variable": pgettext_lazy("phenotype", "Variable"),
    # MT-RNR1 (an outside call or the mitochondrial genotype).
    "increased risk of aminoglycoside-induced hearing loss": pgettext_lazy(
        "phenotype", "increased risk of aminoglycoside-induced hearing loss"
    ),
    "normal risk": pgettext_lazy("phenotype", "normal risk"),
    "uncertain risk": pgettext_lazy("phenotype", "uncertain risk"),
    "G6PD Deficient": pgettext_lazy("phenotype", "G6PD Deficient"),
    "G6PD Deficient with CNSHA": pgettext_lazy("phenotype", "G6PD Deficient with CNSHA"),
    "G6PD Variable": pgettext_lazy("phenotype", "G6PD Variable"),
    "G6PD Indeterminate": pgettext_lazy("phenotype", "G6PD Indeterminate"),
    "Favorable response genotype": pgettext_lazy("phenotype", "Favorable response genotype"),
    "Unfavorable response genotype": pgettext_lazy("phenotype", "Unfavorable response genotype"),
}

CLASSIFICATION_LABELS = {
    "Strong": pgettext_lazy("CPIC strength", "Strong"),
    "Moderate": pgettext_lazy("CPIC strength", "Moderate"),
    "Optional": pgettext_lazy("CPIC strength", "Optional"),
    "No recommendation": pgettext_lazy("CPIC strength", "No recommendation"),
}

ZYGOSITY_LABELS = {
    "heterozygous": _("heterozygous (one copy)"),
    "homozygous": _("homozygous (two copies)"),
    "hemizygous": _("hemizygous (one copy, on the X chromosome)"),
    "compound heterozygous (phase unknown)": _(
        "compound heterozygous (two different variants, phase unknown)"
    ),
    "compound heterozygous (in trans)": _(
        "compound heterozygous (two different variants, one on each copy)"
    ),
}

VARIANT_CLASS_LABELS = {
    "Pathogenic": _("Pathogenic (causes disease)"),
    "Likely pathogenic": _("Likely pathogenic (likely causes disease)"),
    "Pathogenic/Likely pathogenic": _("Pathogenic or likely pathogenic"),
}

# What each phenotype means in everyday words: one sentence per phenotype class.
PHENOTYPE_MEANINGS = {
    "Normal Metabolizer": _("Your body processes some medicines at the usual speed."),
    "Intermediate Metabolizer": _("Your body processes some medicines more slowly than usual."),
    "Likely Intermediate Metabolizer": _(
        "Your body probably processes some medicines more slowly than usual."
    ),
    "Possible Intermediate Metabolizer": _(
        "Your body may process some medicines more slowly than usual."
    ),
    "Poor Metabolizer": _("Your body processes some medicines much more slowly than usual."),
    "Likely Poor Metabolizer": _(
        "Your body probably processes some medicines much more slowly than usual."
    ),
    "Rapid Metabolizer": _("Your body processes some medicines faster than usual."),
    "Ultrarapid Metabolizer": _("Your body processes some medicines much faster than usual."),
    "Normal Function": _("This gene works as usual."),
    "Decreased Function": _(
        "This gene works less than usual, so some medicines can build up in your body."
    ),
    "Possible Decreased Function": _(
        "This gene may work less than usual, so some medicines can build up in your body."
    ),
    "Poor Function": _(
        "This gene works much less than usual, so some medicines can build up in your body."
    ),
    "Increased Function": _("This gene works more than usual."),
    "Uncertain Susceptibility": _(
        "We did not find a known variant that causes a dangerous reaction to some anesthesia "
        "medicines."
    ),
    "Malignant Hyperthermia Susceptibility": _(
        "Some anesthesia medicines could cause a dangerous reaction (malignant hyperthermia)."
    ),
    "G6PD Normal": _("Your red blood cells are expected to handle these medicines as usual."),
    "G6PD Deficient": _("Some medicines can damage your red blood cells."),
    "G6PD Deficient with CNSHA": _("Some medicines can damage your red blood cells."),
    "G6PD Variable": _("Some medicines may damage your red blood cells."),
    "Favorable response genotype": _(
        "Your result is linked to a good response to some hepatitis C treatments."
    ),
    "Unfavorable response genotype": _(
        "Your result is linked to a weaker response to some hepatitis C treatments."
    ),
    "-1639 GG": _("You are expected to have the usual sensitivity to warfarin."),
    "-1639 AG": _("You may be more sensitive to warfarin than usual."),
    "-1639 AA": _("You may be much more sensitive to warfarin than usual."),
}

MEANING_UNKNOWN = _("We could not tell from your DNA how this gene works.")

# The phenotypes a report calls "typical" (everything else that was called is "changed").
# CYP3A5: most people carry *3/*3, but CPIC treats expressers (Normal/Intermediate) as the
# actionable group for tacrolimus, so that gene is special-cased in content.py.
TYPICAL_PHENOTYPES = frozenset(
    {
        "Normal Metabolizer",
        "Normal Function",
        "Uncertain Susceptibility",
        "G6PD Normal",
        "Normal",
        "normal risk",
        "Favorable response genotype",
        "-1639 GG",
    }
)

# Plain-language advice per drug, chosen from the CPIC action (see content.pgx._drug_action).
DRUG_ACTION_TEXT = {
    "usual": _("The usual dose is expected to work for you."),
    "usual_despite": _(
        "Your result is not typical for this gene, but the guideline says the usual dose is "
        "expected to work."
    ),
    "lower": _("You may need a lower dose of this medicine than usual."),
    "higher": _("You may need a higher dose of this medicine, or a different medicine."),
    "avoid": _(
        "This medicine may not work well for you or may cause more side effects. Your doctor "
        "may choose a different medicine."
    ),
    "monitor": _("Your doctor may want to check more closely how this medicine works for you."),
    "different": _(
        "You may need a different dose or a different medicine. Your doctor or pharmacist can "
        "tell you."
    ),
    "none": _("The guideline has no specific advice for your result."),
}

# What each pharmacogene does, for the reference pages (the same for every participant).
GENE_DESCRIPTIONS = {
    "ABCG2": _("Moves some medicines out of cells. Affects rosuvastatin (for cholesterol)."),
    "CACNA1S": _(
        "A calcium channel in muscle. Some variants cause a dangerous reaction to certain "
        "anesthesia medicines."
    ),
    "CYP2B6": _("Breaks down efavirenz (for HIV) and sertraline (for depression)."),
    "CYP2C19": _(
        "Breaks down clopidogrel (a blood thinner), many antidepressants and stomach-acid "
        "medicines."
    ),
    "CYP2C9": _("Breaks down warfarin, phenytoin (for seizures) and some pain medicines (NSAIDs)."),
    "CYP2D6": _(
        "Breaks down about one in five common medicines, including codeine, tramadol, "
        "tamoxifen and many antidepressants."
    ),
    "CYP3A4": _("Breaks down many medicines; its effect on dosing is still being studied."),
    "CYP3A5": _("Breaks down tacrolimus (used after an organ transplant)."),
    "CYP4F2": _("Helps recycle vitamin K. Affects the warfarin dose a little."),
    "DPYD": _(
        "Breaks down fluorouracil and capecitabine (cancer medicines). A low-function result "
        "can make these medicines dangerous."
    ),
    "G6PD": _(
        "Protects red blood cells. A low-function result means some medicines can damage them."
    ),
    "IFNL3": _("Part of the immune system. Affects response to some hepatitis C treatments."),
    "NUDT15": _("Breaks down thiopurines (for leukemia and immune diseases)."),
    "RYR1": _(
        "A calcium channel in muscle. Some variants cause a dangerous reaction to certain "
        "anesthesia medicines."
    ),
    "SLCO1B1": _("Carries statins (for cholesterol) into the liver."),
    "TPMT": _("Breaks down thiopurines (for leukemia and immune diseases)."),
    "UGT1A1": _("Processes bilirubin and atazanavir (for HIV)."),
    "VKORC1": _("The target of warfarin. Affects how much warfarin a person needs."),
}

TRAIT_NAMES = {
    "rs4988235": _("Digesting milk as an adult (lactase persistence)"),
    "rs17822931": _("Earwax type (wet or dry)"),
    "rs713598": _("Tasting bitterness (part 1 of 3)"),
    "rs1726866": _("Tasting bitterness (part 2 of 3)"),
    "rs10246939": _("Tasting bitterness (part 3 of 3)"),
}

ACMG_CATEGORY_LABELS = {
    "Cancer": _("Cancer"),
    "Cardiovascular": _("Heart and blood vessels"),
    "Metabolism": _("Metabolism"),
    "Miscellaneous": _("Other"),
}
