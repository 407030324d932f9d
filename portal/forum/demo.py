"""Demo community: the starter categories and a few realistic questions in English and French (created once)."""
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.forum import queries, services
from portal.forum.models import Question

CLAIRE, SAM = "claire@demo.comptoir.test", "sam@demo.comptoir.test"
AGENT, MANAGER = "agent@demo.comptoir.test", "manager@demo.comptoir.test"

# (asker, category, lang, title, body, tags, [(author, answer body)]); answers by staff carry the Official badge.
QUESTIONS = [
    (SAM, "sizing-and-fit", "en", "Does the linen shirt run small?",
     "I am usually a medium in shirts, 1.80 m and 75 kg. Should I size up for the linen shirt, or does it "
     "stretch a little after a few washes?", ["linen", "shirts"],
     [(CLAIRE, "I bought it in M (same build as you) and it was tight across the shoulders, so I exchanged it "
               "for an L. The L fits perfectly, and it did not shrink at 30 °C."),
      (AGENT, "The linen shirt has a slim cut: if you are between two sizes, take the larger one. Chest "
              "measurements for each size are in our **size guide**, and exchanges are free within 30 days.")]),
    (CLAIRE, "shipping-and-delivery", "fr", "Livrez-vous en Suisse ?",
     "Je voudrais commander un manteau pour ma sœur qui habite à Genève. Est-ce que vous livrez en Suisse, "
     "et faut-il payer des frais de douane à la réception ?", ["international", "douane"],
     [(AGENT, "Oui, nous livrons en Suisse en 3 à 5 jours ouvrés. Les droits de douane et la TVA suisse sont "
              "payés par le destinataire à la livraison : comptez environ 8 % du montant de la commande.")]),
    (SAM, "product-questions", "en", "How do I wash the merino jumper without shrinking it?",
     "The label says hand wash, but I do not have much time. Has anyone put it in the machine?",
     ["merino", "care"],
     [(CLAIRE, "I use the wool programme at 30 °C with a wool detergent, no spin above 600 rpm, and I dry it "
               "flat on a towel. Two winters and it still fits.")]),
    (CLAIRE, "product-questions", "fr", "Comment entretenir le sac en cuir ?",
     "Mon sac en cuir naturel a pris une tache d'eau. Quel produit conseillez-vous pour le nettoyer et le "
     "protéger sans abîmer la couleur ?", ["cuir", "entretien"], []),
    (SAM, "shipping-and-delivery", "en", "Can I change the delivery address after ordering?",
     "I just placed an order and realised it will go to my old flat. The order is not shipped yet.",
     ["address", "orders"],
     [(CLAIRE, "I had the same problem last month: I contacted support right away and they changed it "
               "before the parcel left the warehouse.")]),
    (CLAIRE, "ideas-and-feedback", "fr", "Proposer un emballage cadeau ?",
     "Ce serait pratique de pouvoir ajouter un emballage cadeau et un petit mot au moment de la commande, "
     "surtout pour Noël.", ["cadeau"],
     [(SAM, "Yes please! I would gladly pay a couple of euros for it.")]),
]

ACCEPTED = ("Does the linen shirt run small?", CLAIRE)  # (question title, answer author), accepted by the asker
# (voter, question title, answer author or None for the question itself)
VOTES = [
    (CLAIRE, "Does the linen shirt run small?", None),
    (MANAGER, "Does the linen shirt run small?", CLAIRE),
    (SAM, "Does the linen shirt run small?", AGENT),
    (SAM, "Livrez-vous en Suisse ?", None),
    (SAM, "Livrez-vous en Suisse ?", AGENT),
    (SAM, "How do I wash the merino jumper without shrinking it?", CLAIRE),
    (AGENT, "How do I wash the merino jumper without shrinking it?", None),
    (SAM, "Proposer un emballage cadeau ?", None),
]


def load(users: dict[str, User]) -> list[str]:
    """Create the demo community unless questions already exist; `users` maps demo emails to accounts."""
    if db.session.scalar(select(Question.id).limit(1)):
        return ["Demo community: already there."]
    services.ensure_default_categories()
    questions, answers = {}, {}
    for asker, category, lang, title, body, tags, replies in QUESTIONS:
        question = services.ask(author=users[asker], category=queries.category_by_slug(category), title=title,
                                body=body, tags=tags, lang=lang)
        questions[title] = question
        for author, text in replies:
            answers[title, author] = services.answer(author=users[author], question=question, body=text)
    accepted = questions[ACCEPTED[0]]
    services.accept(user=accepted.author, question=accepted, post=answers[ACCEPTED])
    for voter, title, author in VOTES:
        post = questions[title] if author is None else answers[title, author]
        services.vote(user=users[voter], post_type="question" if author is None else "answer", post_id=post.id,
                      value=1)
    db.session.flush()
    return [f"Demo community: {len(questions)} questions with {len(answers)} answers, one accepted."]
