from django.test import TestCase

from participants.kits import services


def emails_after(fn):
    """Runs fn with on-commit callbacks executed (the outbox sends the e-mails)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return fn()


def shipped_kit(participant, biobank):
    kit = services.kit_request_saliva(participant=participant, actor=participant.user)
    return services.kit_ship(kit=kit, actor=biobank, carrier="USPS", tracking_number="9400111")


def received_kit(participant, biobank):
    kit = shipped_kit(participant, biobank)
    return services.kit_receive_scan(scanned=kit.barcode, actor=biobank)
