"""An index update that fails after its commit is not lost: the worker applies it later."""
from portal.extensions import db
from portal.jobs.models import Job, JobStatus
from portal.jobs.services import recover
from tests.factories import make_article


def test_a_failed_index_update_becomes_a_job_that_indexes_the_article(app, client, monkeypatch):
    from portal import search_sync

    real_apply = search_sync.apply

    def busy(pending):
        raise TimeoutError("index writer busy")
    monkeypatch.setattr(search_sync, "apply", busy)
    article = make_article(title="Returning a parcel abroad")
    monkeypatch.setattr(search_sync, "apply", real_apply)

    job = db.session.query(Job).filter_by(task="search.apply").one()
    assert job.status == JobStatus.QUEUED  # waits for the worker's clock in immediate mode
    assert article.title not in client.get("/help/en/search?q=abroad").get_data(as_text=True)
    job.run_after = job.created_at.replace(year=2000)
    db.session.commit()
    recover()  # the worker's sweep hands it over; in immediate mode it runs at once after commit
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == JobStatus.DONE
    assert article.title in client.get("/help/en/search?q=abroad").get_data(as_text=True)
