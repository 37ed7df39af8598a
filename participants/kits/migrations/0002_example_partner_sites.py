"""Partner sites are data: the program's starting list, from partner_sites.json."""

import json
from pathlib import Path

from django.db import migrations

SITES = Path(__file__).resolve().parent.parent / "partner_sites.json"


def load(apps, schema_editor):
    PartnerSite = apps.get_model("kits", "PartnerSite")
    for site in json.loads(SITES.read_text(encoding="utf-8")):
        PartnerSite.objects.update_or_create(code=site["code"], defaults=site)


class Migration(migrations.Migration):
    dependencies = [("kits", "0001_kits_and_partner_sites")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
