"""Run: .venv/bin/python bench/generate_community.py [--questions 20000] [--seed 1] [--regenerate]

Builds a community database for bench/community.py under bench/data/community-N/: the schema through the
real migrations, the starter categories (forum.services.ensure_default_categories) and the staff and
benchmark accounts through the real services, then members, forum profiles, questions, tags, answers
(10 per question on average), comments and votes by SQLAlchemy Core bulk inserts. Counters match what the
services would have kept: question.answer_count, category.question_count, profile question/answer/
approved/accepted counts and reputation. Same seed and size, same database; an existing one with the same
size, seed and generator version is reused unless --regenerate. The search index is not built here.
"""
import random
import time
from datetime import datetime, timedelta
from pathlib import Path

import common  # first: it puts the repository root on sys.path (bench/ is there already)
import community_text as text

GENERATOR_VERSION = 1
PASSWORD = common.PASSWORD
NOW = datetime(2026, 11, 30, 12, 0, 0)  # fixed, so the same seed gives the same database
SPAN_DAYS = 3 * 365
CATEGORY_WEIGHTS = {"product-questions": 34, "sizing-and-fit": 24, "shipping-and-delivery": 30,
                    "ideas-and-feedback": 12}
QUESTION_STATUS = (("visible", 96.5), ("pending", 0.5), ("hidden", 0.7), ("spam", 1.3), ("deleted", 1.0))
ANSWER_STATUS = (("visible", 97.0), ("pending", 0.4), ("hidden", 0.8), ("spam", 1.0), ("deleted", 0.8))
STAFF = 6  # agents whose answers carry the Official badge
LONG_THREAD = 20  # the question page is measured on a question with this many answers
PINNED_PER_CATEGORY = 2
CHUNK = 20_000
REP_UPVOTE = {"question": 5, "answer": 10}
REP_DOWNVOTE, REP_ACCEPTED = -2, 15


def data_dir(questions: int) -> Path:
    """bench/data/community-N/."""
    return common.data_dir("community", questions)


def _pick(rng, pairs):
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def _answer_counts(rng, questions: int, total: int, long_index: int) -> list[int]:
    """Answers per question: 7% unanswered, a long tail of busy threads, summing to exactly `total`."""
    counts = [0 if rng.random() < 0.07 else 1 + int(rng.expovariate(1 / 9.5)) for _ in range(questions)]
    counts = [min(c, 120) for c in counts]
    counts[long_index] = LONG_THREAD
    diff = total - sum(counts)
    while diff:
        i = rng.randrange(questions)
        if i == long_index or (diff < 0 and counts[i] <= 1) or counts[i] == 0:
            continue
        step = 1 if diff > 0 else -1
        counts[i] += step
        diff -= step
    return counts


class Members:
    """Who writes: askers are spread out, answerers follow a long tail (a few regulars write most)."""

    def __init__(self, rng, member_ids: list[int], staff_ids: list[int]):
        self.rng, self.ids, self.staff = rng, member_ids, staff_ids
        weights = [1 / (rank + 25) ** 1.1 for rank in range(len(member_ids))]
        order = member_ids[:]
        rng.shuffle(order)
        self.answer_ids = order
        total, running, self.answer_cum = sum(weights), 0.0, []
        for w in weights:
            running += w
            self.answer_cum.append(running / total)

    def asker(self) -> int:
        return self.rng.choice(self.ids)

    def answerer(self) -> int:
        return self.rng.choices(self.answer_ids, cum_weights=self.answer_cum)[0]

    def voters(self, count: int, exclude) -> list[int]:
        found = set()
        while len(found) < count:
            pick = self.rng.choice(self.ids)
            if pick != exclude:
                found.add(pick)
        return sorted(found)


def _times(rng, start: datetime, count: int) -> list[datetime]:
    """`count` increasing moments after `start`, most within days, never after NOW."""
    out, t = [], start
    for _ in range(count):
        t = t + timedelta(seconds=rng.expovariate(1 / (20 * 3600)) + 120)
        out.append(min(t, NOW - timedelta(seconds=rng.randint(1, 600))))
    return sorted(out)


def generate(seed: int, questions: int, categories: dict, members: Members) -> dict:
    """Every row to insert, with the counters computed from them."""
    rng = random.Random(f"{seed}-posts")
    slugs = list(CATEGORY_WEIGHTS)
    long_index = questions // 2 + 7
    counts = _answer_counts(rng, questions, questions * 10, long_index)
    rows = {"questions": [], "tags": [], "answers": [], "comments": [], "votes": []}
    profile = {}  # user id -> [reputation, accepted, questions, answers, approved]
    pinned = {slug: 0 for slug in slugs}
    answer_id = 0

    def prof(uid):
        return profile.setdefault(uid, [0, 0, 0, 0, 0])

    def votes(post_type, post_id, author, created, count):
        score = 0
        for voter in members.voters(count, author):
            value = -1 if rng.random() < 0.12 else 1
            score += value
            rows["votes"].append({"user_id": voter, "post_type": post_type, "post_id": post_id, "value": value,
                                  "ip": None, "created_at": _times(rng, created, 1)[0]})
            prof(author)[0] += REP_UPVOTE[post_type] if value > 0 else REP_DOWNVOTE
        return score

    for index in range(questions):
        qid = index + 1
        slug = slugs[0] if index == long_index else rng.choices(slugs, list(CATEGORY_WEIGHTS.values()))[0]
        lang = "fr" if rng.random() < 0.3 else "en"
        status = "visible" if index == long_index else _pick(rng, QUESTION_STATUS)
        author = members.asker()
        created = NOW - timedelta(seconds=rng.uniform(3600, SPAN_DAYS * 86400))
        title, body = text.question_text(rng, slug, lang)
        tags = sorted(set(rng.sample(text.TAGS[slug], rng.randint(0, 3))))
        prof(author)[2] += 1
        visible = status == "visible"
        prof(author)[4] += visible
        is_pinned = visible and pinned[slug] < PINNED_PER_CATEGORY and rng.random() < 0.01
        pinned[slug] += is_pinned
        activity = created
        answers, visible_answers = [], []
        for moment in _times(rng, created, counts[index]):
            answer_id += 1
            official = rng.random() < 0.03
            by = rng.choice(members.staff) if official else members.answerer()
            a_status = "visible" if index == long_index else _pick(rng, ANSWER_STATUS)
            prof(by)[3] += 1
            row = {"id": answer_id, "question_id": qid, "author_id": by,
                   "body": text.answer_text(rng, lang, official), "status": a_status, "official": official,
                   "score": 0, "ip": None, "created_at": moment, "edited_at": None}
            answers.append(row)
            if a_status == "visible" and visible:
                prof(by)[4] += 1
                visible_answers.append(row)
                activity = max(activity, moment)
                row["score"] = votes("answer", answer_id, by, moment, int(rng.expovariate(1 / 1.6)))
        accepted = None
        if visible_answers and rng.random() < 0.4:
            best = max(visible_answers, key=lambda a: (a["score"], -a["id"]))
            chosen = best if rng.random() < 0.7 else rng.choice(visible_answers)
            accepted = chosen["id"]
            if chosen["author_id"] != author:
                prof(chosen["author_id"])[0] += REP_ACCEPTED
                prof(chosen["author_id"])[1] += 1
        for post_answer in [None] + answers:
            if rng.random() < (0.12 if post_answer is None else 0.06):
                start = created if post_answer is None else post_answer["created_at"]
                for moment in _times(rng, start, rng.randint(1, 3)):
                    rows["comments"].append({
                        "question_id": qid, "answer_id": post_answer and post_answer["id"],
                        "author_id": rng.choice((author, members.answerer(), members.asker())),
                        "body": text.comment_text(rng, lang), "status": "visible" if rng.random() < 0.98 else "hidden",
                        "ip": None, "created_at": moment})
                    activity = max(activity, moment)
        score = votes("question", qid, author, created, int(rng.expovariate(1 / 2.0))) if visible else 0
        rows["questions"].append({
            "id": qid, "category_id": categories[slug], "author_id": author, "title": title, "body": body,
            "tags": tags, "lang": lang, "status": status, "locked": visible and rng.random() < 0.003,
            "pinned": is_pinned, "accepted_answer_id": accepted, "score": score,
            "answer_count": len(visible_answers), "view_count": int(rng.expovariate(1 / 150)) + len(answers) * 3,
            "merged_into_id": None, "ticket_id": None, "article_id": None, "ip": None, "created_at": created,
            "edited_at": created + timedelta(minutes=10) if rng.random() < 0.05 else None,
            "last_activity_at": activity})
        rows["tags"].extend({"question_id": qid, "tag": tag} for tag in tags)
        rows["answers"].extend(answers)
    category_counts = dict.fromkeys(categories.values(), 0)
    for q in rows["questions"]:
        category_counts[q["category_id"]] += q["status"] == "visible"
    return {"rows": rows, "profile": profile, "category_counts": category_counts,
            "long_thread_id": long_index + 1}


def _accounts(app, seed: int) -> dict:
    """Categories, staff and the benchmark's own member, through the real services."""
    from portal.accounts.models import Role
    from portal.accounts.services import create_user
    from portal.extensions import db
    from portal.forum.models import ForumCategory
    from portal.forum.services import ensure_default_categories, profile_for

    rng = random.Random(f"{seed}-staff")
    with app.app_context():
        ensure_default_categories()
        staff = [create_user(email=f"agent{n:02d}@comptoir.test", name=text.person(rng), password=PASSWORD,
                             role=Role.AGENT) for n in range(1, STAFF + 1)]
        member = create_user(email="member@comptoir.test", name="Bench Member", password=PASSWORD)
        for user in staff + [member]:
            profile_for(user)
        db.session.commit()
        out = {"staff": [u.id for u in staff], "member": member.id, "password_hash": member.password_hash,
               "categories": {c.slug: c.id for c in db.session.query(ForumCategory)}}
        db.session.remove()
    return out


def _members(app, seed: int, count: int, password_hash: str) -> list[int]:
    """`count` customer accounts by Core inserts (one shared password hash: only one logs in)."""
    from sqlalchemy import func, insert, select

    from portal.accounts.models import Role, User
    from portal.extensions import db

    rng = random.Random(f"{seed}-members")
    created = NOW - timedelta(days=SPAN_DAYS + 30)
    with app.app_context():
        base = db.session.scalar(select(func.max(User.id))) + 1
        rows = []
        for n in range(count):
            name = text.person(rng)
            rows.append({"id": base + n, "email": f"member{base + n}@example.test", "name": name,
                         "password_hash": password_hash, "role": Role.CUSTOMER, "locale": None,
                         "email_verified_at": created, "active": True, "created_at": created})
        with db.engine.begin() as conn:
            for start in range(0, len(rows), CHUNK):
                conn.execute(insert(User), rows[start:start + CHUNK])
        db.session.remove()
    return list(range(base, base + count))


def _handles(names: dict[int, str]) -> dict[int, str]:
    """Unique @handles the way forum.services.profile_for makes them: slug, then slug-2, slug-3…"""
    from portal.text import slugify

    used, out = {}, {}
    for uid in sorted(names):
        base = slugify(names[uid], 40) or f"member-{uid}"
        n = used.get(base, 0) + 1
        used[base] = n
        out[uid] = base if n == 1 else f"{base}-{n}"
    return out


def _load(app, data: dict, log) -> dict:
    """Insert every row in chunks; then profiles and category counters."""
    from sqlalchemy import bindparam, insert, select, update

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.forum.models import Answer, Comment, ForumCategory, ForumProfile, Question, QuestionTag, Vote

    tables = (("questions", Question), ("tags", QuestionTag), ("answers", Answer), ("comments", Comment),
              ("votes", Vote))
    counts = {}
    with app.app_context(), db.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        for key, model in tables:
            started, rows = time.perf_counter(), data["rows"][key]
            for start in range(0, len(rows), CHUNK):
                conn.execute(insert(model), rows[start:start + CHUNK])
            counts[key] = len(rows)
            log(f"  {len(rows):,} {key} in {time.perf_counter() - started:.1f} s")
        existing = set(conn.scalars(select(ForumProfile.user_id)))
        names = dict(conn.execute(select(User.id, User.name)).all())
        handles = _handles(names)
        new, changed = [], []
        for uid in names:
            rep, accepted, asked, answered, approved = data["profile"].get(uid, (0, 0, 0, 0, 0))
            row = {"user_id": uid, "handle": handles[uid], "reputation": rep, "accepted_count": accepted,
                   "question_count": asked, "answer_count": answered, "approved_posts": approved}
            (changed if uid in existing else new).append(row)
        for start in range(0, len(new), CHUNK):
            conn.execute(insert(ForumProfile), new[start:start + CHUNK])
        if changed:  # the staff and the member, made by profile_for: keep their handles
            conn.execute(update(ForumProfile).where(ForumProfile.user_id == bindparam("uid")).values(
                reputation=bindparam("reputation"), accepted_count=bindparam("accepted_count"),
                question_count=bindparam("question_count"), answer_count=bindparam("answer_count"),
                approved_posts=bindparam("approved_posts")),
                [{"uid": r["user_id"], **{k: v for k, v in r.items() if k not in ("user_id", "handle")}}
                 for r in changed])
        counts["profiles"] = len(names)
        conn.execute(update(ForumCategory).where(ForumCategory.id == bindparam("cid"))
                     .values(question_count=bindparam("n")),
                     [{"cid": cid, "n": n} for cid, n in data["category_counts"].items()])
    return counts


def ensure_database(questions: int = 20_000, seed: int = 1, regenerate: bool = False, log=print) -> dict:
    """The benchmark database for this size and seed (built if missing); returns its meta.json content."""
    wanted = {"questions": questions, "seed": seed, "generator": GENERATOR_VERSION}
    return common.ensure_database(data_dir(questions), wanted, lambda app: _generate(app, questions, seed, log),
                                  what=f"{questions:,} questions", regenerate=regenerate, log=log)


def _generate(app, questions: int, seed: int, log) -> dict:
    """Accounts through the services, then every forum row by bulk insert; the rest of meta.json."""
    started = time.perf_counter()
    accounts = _accounts(app, seed)
    users = int(questions * 2.5)
    member_ids = _members(app, seed, users - len(accounts["staff"]) - 1, accounts.pop("password_hash"))
    members = Members(random.Random(f"{seed}-authors"), member_ids, accounts["staff"])
    data = generate(seed, questions, accounts["categories"], members)
    log(f"  rows generated in {time.perf_counter() - started:.0f} s")
    counts = _load(app, data, log)
    return {"users": users, "rows": counts, "long_thread_id": data["long_thread_id"],
            "member_email": "member@comptoir.test", "staff": accounts["staff"], "categories": accounts["categories"]}


def main(argv=None):
    common.generator_main(argv, ensure_database, description="Generate the community benchmark database.",
                          size="questions", default=20_000, help="answers = 10x, users = 2.5x")


if __name__ == "__main__":
    main()
