import pytest

from participants.kits.models import Kit, KitStatus
from tests.factories import ParticipantFactory
from tests.staff.conftest import make_staff, roles, site_a, staff_client  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local(settings):
    settings.STAFF_ALLOW_PRIVATE_NETWORKS = True


def test_recruitment_sees_aggregates_only(make_staff, settings, django_assert_max_num_queries):  # noqa: F811
    people = [ParticipantFactory(user__email=f"k{i}@example.org") for i in range(3)]
    for i, person in enumerate(people):
        Kit.objects.create(participant=person, kind="saliva", barcode=f"CK000000000{i}",
                           status=KitStatus.SHIPPED)  # fmt: skip
    client = staff_client(make_staff("recruitment"))
    with django_assert_max_num_queries(20):
        page = client.get("/staff/operations/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Kits out</dt><dd>&lt;20" in body  # 3 kits: a small cell
    for person in people:
        assert person.participant_id not in body
    assert "CK0000000000" not in body
    settings.STAFF_SMALL_CELL_MAX = 2
    assert "Kits out</dt><dd>3" in client.get("/staff/operations/").content.decode()


def test_other_roles_are_refused(make_staff):  # noqa: F811
    for role in ("support", "biobank", "consent_manager"):
        assert staff_client(make_staff(role)).get("/staff/operations/").status_code == 403
