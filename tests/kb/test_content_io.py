"""Importing and exporting the help center as Markdown files."""
from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.kb import content_io
from portal.kb.models import Article, ArticleRevision, ArticleStatus, Category

CONTENT = Path(__file__).resolve().parents[2] / "content"


def _snapshot():
    rows = db.session.execute(select(Article.slug, Article.lang, Article.title, Article.body, Article.tags,
                                     Article.summary, Article.translation_key, Article.status)
                              .order_by(Article.lang, Article.slug)).all()
    return [tuple(r) for r in rows]


def test_starter_content_imports_completely(app):
    report = content_io.import_directory(CONTENT)
    db.session.commit()
    assert report.errors == []
    en = db.session.scalar(select(func.count()).where(Article.lang == "en"))
    fr = db.session.scalar(select(func.count()).where(Article.lang == "fr"))
    assert en >= 25 and fr >= 25
    assert db.session.scalar(select(func.count(Category.id))) >= 5
    where = db.session.scalar(select(Article).where(Article.slug == "where-is-my-order", Article.lang == "en"))
    assert where is not None and where.status == ArticleStatus.PUBLISHED
    french = db.session.scalar(select(Article).where(Article.slug == "ou-est-ma-commande"))
    assert french.translation_key and french.translation_key == where.translation_key


def test_import_twice_changes_nothing(app):
    content_io.import_directory(CONTENT)
    db.session.commit()
    before = _snapshot()
    revisions = db.session.scalar(select(func.count(ArticleRevision.id)))
    report = content_io.import_directory(CONTENT)
    db.session.commit()
    assert report.created == 0 and report.updated == 0 and report.unchanged == len(before)
    assert _snapshot() == before
    assert db.session.scalar(select(func.count(ArticleRevision.id))) == revisions


def test_import_export_import_round_trip(app, tmp_path):
    content_io.import_directory(CONTENT)
    db.session.commit()
    before = _snapshot()
    count = content_io.export_directory(tmp_path / "out")
    assert count == len(before)
    assert (tmp_path / "out" / "categories.yml").exists()
    report = content_io.import_directory(tmp_path / "out")
    db.session.commit()
    assert report.errors == [] and report.updated == 0 and report.created == 0
    assert _snapshot() == before


def test_bad_front_matter_names_file_and_field_and_imports_nothing_from_it(app, tmp_path):
    root = tmp_path / "content"
    (root / "en" / "misc").mkdir(parents=True)
    (root / "categories.yml").write_text("- slug: misc\n  name: {en: Misc}\n")
    (root / "en" / "misc" / "good.md").write_text("---\ntitle: Good one\nslug: good\ncategory: misc\n"
                                                 "tags: [a]\nlang: en\n---\nFine.\n")
    (root / "en" / "misc" / "bad.md").write_text("---\ntitle: Bad one\nslug: bad\ncategory: misc\n"
                                                "tags: [a]\nlang: de\n---\nNope.\n")
    (root / "en" / "misc" / "nocat.md").write_text("---\ntitle: No cat\nslug: nocat\ncategory: nowhere\n"
                                                  "tags: [a]\nlang: en\n---\nNope.\n")
    report = content_io.import_directory(root)
    db.session.commit()
    assert len(report.errors) == 2
    assert any("bad.md" in e and "'lang'" in e for e in report.errors)
    assert any("nocat.md" in e and "category" in e for e in report.errors)
    slugs = set(db.session.scalars(select(Article.slug)))
    assert slugs == {"good"}


def test_cli_import_reports_errors_and_exits_non_zero(app, runner, tmp_path):
    root = tmp_path / "content"
    (root / "en" / "misc").mkdir(parents=True)
    (root / "categories.yml").write_text("- slug: misc\n  name: {en: Misc}\n")
    (root / "en" / "misc" / "bad.md").write_text("---\ntitle: [unclosed\n---\nx\n")
    result = runner.invoke(args=["kb", "import", str(root)])
    assert result.exit_code != 0
    assert "bad.md" in result.output and "front matter" in result.output


def test_cli_import_missing_directory(app, runner, tmp_path):
    result = runner.invoke(args=["kb", "import", str(tmp_path / "nope")])
    assert result.exit_code != 0
    assert "no such directory" in result.output


def test_cli_export_writes_files(app, runner, tmp_path):
    content_io.import_directory(CONTENT)
    db.session.commit()
    result = runner.invoke(args=["kb", "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    exported = (tmp_path / "out" / "en" / "shipping-delivery" / "where-is-my-order.md").read_text()
    assert exported.startswith("---\ntitle:") and "translation: ou-est-ma-commande" in exported


def test_the_contact_article_offers_a_call_link_in_both_languages(app, client):
    content_io.import_directory(CONTENT)
    db.session.commit()
    for path in ("/help/en/articles/contact-us", "/help/fr/articles/nous-contacter"):
        page = client.get(path)
        assert page.status_code == 200
        assert 'href="tel:+33199001234"' in page.get_data(as_text=True), path
