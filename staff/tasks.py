from celery import shared_task

from staff.services import staff_top_viewers_report as report


@shared_task
def staff_top_viewers_report() -> int:
    """Weekly: the staff who read the most participants' records, to the administrators."""
    return report()
