"""Words for bench/generate_community.py: questions, answers and comments of an online shop's community.

English and French, per starter category. Templates are filled from lists of products, materials,
colours, places and carriers, so the index sees a varied vocabulary (plus order and product numbers, as
real posts carry). A few rare words (RARE) each land in a handful of posts: the benchmark's rare queries.
"""

PRODUCTS = {
    "en": ("merino jumper", "linen shirt", "ankle boots", "running trainers", "denim jacket", "wool coat",
           "silk scarf", "tote bag", "T-shirt pack", "rain parka", "chinos", "summer dress", "cashmere beanie",
           "suede loafers", "wellies", "yoga leggings", "down jacket", "leather belt", "sunglasses",
           "duvet cover", "mug set", "desk lamp", "backpack", "kids' raincoat", "swimsuit", "hiking socks",
           "puffer vest", "bath towels", "wallet", "trench coat", "cardigan", "hoodie", "sneakers", "sandals",
           "pyjamas", "bedsheets", "cushion cover", "teapot", "water bottle", "laptop sleeve"),
    "fr": ("pull en mérinos", "chemise en lin", "bottines", "baskets de running", "veste en jean", "manteau en laine",
           "foulard en soie", "sac cabas", "lot de t-shirts", "parka de pluie", "chino", "robe d'été",
           "bonnet en cachemire", "mocassins en daim", "bottes de pluie", "legging de yoga", "doudoune",
           "ceinture en cuir", "lunettes de soleil", "housse de couette", "lot de tasses", "lampe de bureau",
           "sac à dos", "ciré enfant", "maillot de bain", "chaussettes de randonnée", "gilet matelassé",
           "serviettes de bain", "portefeuille", "trench", "cardigan", "sweat à capuche", "tennis", "sandales",
           "pyjama", "draps", "housse de coussin", "théière", "gourde", "housse d'ordinateur"),
}
MATERIALS = {
    "en": ("cotton", "organic cotton", "linen", "wool", "merino", "cashmere", "silk", "leather", "suede",
           "polyester", "recycled nylon", "viscose", "denim", "corduroy", "fleece", "bamboo", "hemp", "canvas"),
    "fr": ("coton", "coton bio", "lin", "laine", "mérinos", "cachemire", "soie", "cuir", "daim", "polyester",
           "nylon recyclé", "viscose", "denim", "velours côtelé", "polaire", "bambou", "chanvre", "toile"),
}
COLOURS = {
    "en": ("navy", "black", "off-white", "camel", "forest green", "burgundy", "grey marl", "sky blue", "mustard",
           "terracotta", "sand", "olive", "charcoal", "ecru", "rust", "lavender"),
    "fr": ("marine", "noir", "écru", "camel", "vert forêt", "bordeaux", "gris chiné", "bleu ciel", "moutarde",
           "terracotta", "sable", "kaki", "anthracite", "blanc cassé", "rouille", "lavande"),
}
SIZES = ("XS", "S", "M", "L", "XL", "XXL", "36", "38", "40", "42", "44", "46", "EU 37", "EU 39", "EU 41", "EU 43",
         "EU 45", "UK 6", "UK 8", "UK 10", "UK 12", "W30 L32", "W32 L34")
CARRIERS = ("Colissimo", "Chronopost", "DPD", "UPS", "Mondial Relay", "GLS", "DHL", "Royal Mail", "Relais Colis",
            "FedEx", "La Poste", "Evri")
PLACES = ("Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Bordeaux", "Lille", "Rennes", "Strasbourg",
          "Montpellier", "Grenoble", "Dijon", "Angers", "Brest", "Tours", "Metz", "Nancy", "Rouen", "Caen",
          "Limoges", "Besançon", "Perpignan", "Avignon", "Annecy", "Brussels", "Liège", "Geneva", "Lausanne",
          "Luxembourg", "London", "Manchester", "Dublin", "Berlin", "Madrid", "Barcelona", "Milan", "Amsterdam",
          "Montreal", "Quebec", "Corsica", "Martinique", "Guadeloupe", "La Réunion")
BRANDS = ("Atelier Nord", "Maison Sable", "Kerlouan", "Veloute", "Pointcarré", "Brume", "Solstice", "Galet",
          "Hirondelle", "Ourson", "Marelle", "Tramontane", "Lichen", "Cobalt & Co", "Fjordline", "Barbotine")
WEEKDAYS = {"en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
            "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")}

# One post in RARE_EVERY carries one of these: about 15 posts per word on 220,000.
RARE = ("alpaca", "seersucker", "Bancontact", "Twint", "Nouméa", "Quimper", "shearling", "Chamonix", "Satispay",
        "gabardine", "Ushuaia", "tartan", "mohair", "Biarritz", "espadrilles", "Klarna", "Papeete", "Cayenne",
        "jacquard", "Zermatt", "chambray", "Tromsø", "loden", "Oaxaca")
RARE_EVERY = 600

# What bench/community.py and bench/search_backends.py search for, as visitors type it: words in
# thousands of posts, and words of RARE (a handful of posts each).
COMMON_QUERIES = {"en": ["delivery", "size", "refund", "wool", "tracking number", "relay point", "customer service",
                         "wash", "order", "runs small"],
                  "fr": ["livraison", "taille", "remboursement", "laine", "numéro de suivi", "point relais",
                         "service client", "lavage", "commande", "taille petit"]}
RARE_QUERIES = {"en": ["alpaca", "seersucker", "Bancontact", "Quimper", "shearling jumper", "Klarna"],
                "fr": ["Nouméa", "Chamonix", "mohair", "Biarritz", "jacquard", "Ushuaia livraison"]}

TAGS = {
    "product-questions": ("materials", "care", "washing", "quality", "stock", "warranty", "colour", "gift", "eco",
                          "matieres", "entretien", "garantie"),
    "sizing-and-fit": ("sizing", "fit", "shoes", "kids", "length", "exchange", "size-guide", "taille", "coupe",
                       "chaussures", "enfant"),
    "shipping-and-delivery": ("delivery", "tracking", "relay-point", "international", "customs", "delay", "carrier",
                              "livraison", "suivi", "point-relais", "douane", "retard"),
    "ideas-and-feedback": ("website", "app", "packaging", "newsletter", "loyalty", "suggestion", "eco", "site",
                           "emballage", "fidelite", "idee"),
}

TITLES = {
    ("product-questions", "en"): (
        "Is the {product} machine washable?", "How warm is the {material} {product}?",
        "Does the {colour} {product} fade after washing?", "When will the {product} be back in stock?",
        "Is the {product} from {brand} worth it?", "{product}: pilling after a few weeks?",
        "What is the {product} really made of?", "Care tips for a {material} {product}",
        "Warranty on the {brand} {product}?", "Is the {colour} closer to grey or blue in real life?",
        "Zip broke on my {product}, normal?", "Difference between the {brand} and the regular {product}",
        "Does the {product} smell when new?", "Is the {material} lining itchy?", "Gift idea: {product} or {product2}?"),
    ("product-questions", "fr"): (
        "Le {product} passe-t-il en machine ?", "Le {product} en {material} tient-il chaud ?",
        "Le {product} {colour} déteint-il au lavage ?", "Quand le {product} sera-t-il de nouveau en stock ?",
        "Le {product} {brand} vaut-il le prix ?", "{product} : bouloche après quelques semaines ?",
        "De quoi est vraiment fait le {product} ?", "Conseils d'entretien pour un {product} en {material}",
        "Garantie sur le {product} {brand} ?", "La couleur {colour} est-elle fidèle à la photo ?",
        "Fermeture cassée sur mon {product}, c'est normal ?", "Différence entre le {product} {brand} et le classique",
        "Le {product} a une odeur à la réception ?", "La doublure en {material} gratte-t-elle ?",
        "Idée cadeau : {product} ou {product2} ?"),
    ("sizing-and-fit", "en"): (
        "Does the {product} run small?", "Size {size} or {size2} for the {product}?",
        "{product} too tight around the shoulders", "How long are the sleeves on the {product}?",
        "I'm between {size} and {size2}, which one?", "Does the {material} {product} shrink?",
        "Fit of the {brand} {product} compared to last season", "{product} for a tall person?",
        "Kids' sizes: does the {product} fit true to age?", "Wide feet and the {product}",
        "Exchanged my {product} for {size2}, still too big", "Is the {product} oversized on purpose?"),
    ("sizing-and-fit", "fr"): (
        "Le {product} taille-t-il petit ?", "Taille {size} ou {size2} pour le {product} ?",
        "{product} trop serré aux épaules", "Quelle longueur de manches pour le {product} ?",
        "J'hésite entre {size} et {size2}, que choisir ?", "Le {product} en {material} rétrécit-il ?",
        "Coupe du {product} {brand} par rapport à la saison dernière", "{product} pour une grande taille ?",
        "Tailles enfant : le {product} correspond-il à l'âge ?", "Pieds larges et {product}",
        "Échange de mon {product} en {size2}, toujours trop grand", "Le {product} est-il volontairement oversize ?"),
    ("shipping-and-delivery", "en"): (
        "How long does {carrier} take to {place}?", "Parcel stuck at the {carrier} depot for {days} days",
        "Tracking not updating since {weekday}", "Delivered to the wrong relay point in {place}",
        "Do you ship to {place}?", "Customs fees for a delivery to {place}?", "Express delivery before {weekday}?",
        "Parcel marked delivered but nothing in my letterbox", "Can I change the delivery address after ordering?",
        "Order #{order} split into two parcels?", "Which carrier for large items like the {product}?",
        "Free delivery threshold for {place}?"),
    ("shipping-and-delivery", "fr"): (
        "Combien de temps met {carrier} pour {place} ?", "Colis bloqué au dépôt {carrier} depuis {days} jours",
        "Suivi qui ne bouge plus depuis {weekday}", "Livré au mauvais point relais à {place}",
        "Livrez-vous à {place} ?", "Frais de douane pour une livraison à {place} ?",
        "Livraison express avant {weekday} ?", "Colis indiqué livré mais rien dans ma boîte aux lettres",
        "Peut-on changer l'adresse de livraison après la commande ?", "Commande n°{order} en deux colis ?",
        "Quel transporteur pour un article volumineux comme le {product} ?",
        "Seuil de livraison gratuite pour {place} ?"),
    ("ideas-and-feedback", "en"): (
        "Idea: show the {material} composition on the product page", "Please bring back the {colour} {product}",
        "Less plastic in the packaging?", "A size guide for the {brand} range would help",
        "Wishlist sharing would be great", "Suggestion: pick-up in {place}", "Feedback on the new checkout",
        "Could the app notify me when the {product} is restocked?", "Loyalty points for recycling old {product}s",
        "More photos of the {product} worn"),
    ("ideas-and-feedback", "fr"): (
        "Idée : afficher la composition en {material} sur la fiche produit",
        "Merci de ressortir le {product} {colour}", "Moins de plastique dans les emballages ?",
        "Un guide des tailles pour la gamme {brand} serait utile", "Partager sa liste d'envies, ce serait top",
        "Suggestion : retrait en magasin à {place}", "Avis sur le nouveau tunnel de commande",
        "L'appli pourrait-elle prévenir quand le {product} revient ?",
        "Des points fidélité pour le recyclage des vieux {product}", "Plus de photos du {product} porté"),
}

OPENERS = {
    "en": ("Hi all,", "Hello,", "Quick question:", "Hi everyone!", "Hello community,", "", "", "Hey,"),
    "fr": ("Bonjour à tous,", "Bonjour,", "Petite question :", "Salut tout le monde !", "Hello,", "", "", "Bonsoir,"),
}
DETAILS = {
    "en": ("I ordered the {product} in {colour}, size {size}, on {weekday}.",
           "I usually wear a {size} in most brands, sometimes a {size2}.",
           "The description says {material} but it feels more like a blend.",
           "My order number is {order}, if that helps.", "I live near {place} and the nearest relay point is closed.",
           "The {carrier} tracking number starts with {tracking}.",
           "It has been {days} days and the status has not changed.",
           "I washed it once at 30°C, inside out, as the label says.",
           "The {brand} version I had before lasted three winters.",
           "I would like to avoid sending it back and forth.",
           "Reviews on other sites are mixed, so I'd rather ask real customers.",
           "The product page shows reference {sku}.", "It is a gift so I cannot try it on beforehand.",
           "I paid {price} € for it, so I expect it to last.", "Photos attached in my ticket, if staff can look."),
    "fr": ("J'ai commandé le {product} en {colour}, taille {size}, {weekday}.",
           "Je porte du {size} dans la plupart des marques, parfois du {size2}.",
           "La description indique {material} mais on dirait plutôt un mélange.",
           "Mon numéro de commande est {order}, si ça peut aider.",
           "J'habite près de {place} et le point relais le plus proche est fermé.",
           "Le numéro de suivi {carrier} commence par {tracking}.",
           "Cela fait {days} jours et le statut n'a pas bougé.",
           "Je l'ai lavé une fois à 30°C, sur l'envers, comme indiqué sur l'étiquette.",
           "La version {brand} que j'avais avant a tenu trois hivers.",
           "Je voudrais éviter les allers-retours de colis.",
           "Les avis ailleurs sont partagés, je préfère demander à de vrais clients.",
           "La fiche produit indique la référence {sku}.", "C'est un cadeau, je ne peux pas l'essayer avant.",
           "Je l'ai payé {price} €, donc j'espère qu'il va durer."),
}
ASKS = {
    "en": ("Has anyone had the same experience?", "Any advice?", "What would you recommend?",
           "Thanks in advance for your help!", "Is this normal?", "Should I exchange it?", "Thanks!"),
    "fr": ("Quelqu'un a-t-il eu le même souci ?", "Des conseils ?", "Que me conseillez-vous ?",
           "Merci d'avance pour votre aide !", "Est-ce normal ?", "Faut-il l'échanger ?", "Merci !"),
}
ANSWERS = {
    "en": ("I had the same {product} and went for a {size2}: perfect fit after one wash.",
           "Mine is {material} and it has held up well, just wash it cold and dry it flat.",
           "{carrier} usually takes {days} working days to {place} in my experience.",
           "Contact customer service with your order number, they sorted it out for me within a day.",
           "The {colour} is slightly darker than on the photos, but I like it.",
           "I would size down, the {product} is quite roomy.", "Same here, the tracking jumped after {days} days.",
           "The relay point in {place} often holds parcels an extra day before scanning them.",
           "Check the care label: {material} should never go in the dryer.",
           "I returned mine and the refund arrived in about a week.",
           "Honestly the {brand} {product} is one of the best things I bought this year.",
           "You can change the address from your account until the parcel is handed to {carrier}.",
           "For customs to {place}, duties were already included at checkout for me.",
           "Pilling is normal for {material} at first, a fabric comb fixes it.",
           "I asked the same thing last month, the restock was announced in the newsletter.",
           "My kids wear the {product} in their age size and it fits with room to grow.",
           "Great idea, I would use that too.", "+1 to this, the {product} page really needs better photos.",
           "It runs true to size for me: I am usually a {size} and the {size} fits."),
    "fr": ("J'ai le même {product} et j'ai pris du {size2} : parfait après un lavage.",
           "Le mien est en {material} et il tient bien, lavez-le à froid et séchez-le à plat.",
           "{carrier} met en général {days} jours ouvrés pour {place} d'après mon expérience.",
           "Contactez le service client avec votre numéro de commande, ils ont réglé ça en une journée.",
           "Le {colour} est un peu plus foncé que sur les photos, mais il me plaît.",
           "Je prendrais une taille en dessous, le {product} est assez ample.",
           "Pareil pour moi, le suivi s'est débloqué au bout de {days} jours.",
           "Le point relais de {place} garde souvent les colis un jour de plus avant de les scanner.",
           "Regardez l'étiquette : le {material} ne va jamais au sèche-linge.",
           "J'ai renvoyé le mien et le remboursement est arrivé en une semaine environ.",
           "Franchement le {product} {brand} est un de mes meilleurs achats de l'année.",
           "Vous pouvez changer l'adresse depuis votre compte tant que le colis n'est pas remis à {carrier}.",
           "Pour la douane vers {place}, les frais étaient déjà inclus au paiement pour moi.",
           "Le boulochage est normal au début pour le {material}, un rasoir anti-bouloches règle ça.",
           "J'ai posé la même question le mois dernier, le retour en stock a été annoncé dans la newsletter.",
           "Mes enfants portent le {product} dans leur taille et il reste de la marge.",
           "Bonne idée, je l'utiliserais aussi.", "+1, la fiche du {product} mérite de meilleures photos.",
           "Il taille normalement pour moi : je fais du {size} et le {size} me va."),
}
OFFICIAL = {
    "en": ("Hello, thanks for your question! The {product} is {material}; we recommend a 30°C wash, inside out.",
           "Hi, our team checked order {order}: the parcel is with {carrier} and should arrive within {days} days.",
           "Thanks for the suggestion, we have passed it on to the product team.",
           "Hello! The {colour} {product} is back in stock on {weekday} in sizes {size} to {size2}."),
    "fr": ("Bonjour, merci pour votre question ! Le {product} est en {material} ; "
           "lavage à 30°C sur l'envers conseillé.",
           "Bonjour, l'équipe a vérifié la commande {order} : le colis est chez {carrier}, "
           "livraison sous {days} jours.",
           "Merci pour la suggestion, nous l'avons transmise à l'équipe produit.",
           "Bonjour ! Le {product} {colour} revient en stock {weekday} du {size} au {size2}."),
}
EXTRAS = {
    "en": ("**Tip:** keep the tags on until you are sure about the size.",
           "- wash cold\n- no tumble dryer\n- iron on low", "See the [size guide](/help/en/size-guide) too.",
           "Edit: it arrived this morning!", "Hope that helps.", "Good luck!"),
    "fr": ("**Astuce :** gardez les étiquettes tant que vous n'êtes pas sûr de la taille.",
           "- lavage à froid\n- pas de sèche-linge\n- repassage doux",
           "Voir aussi le [guide des tailles](/help/fr/size-guide).",
           "Édit : il est arrivé ce matin !", "J'espère que ça aide.", "Bon courage !"),
}
COMMENTS = {
    "en": ("Thanks, that helps a lot!", "Same question here.", "Which size did you end up with?",
           "Did you get an answer from support?", "Good to know, thanks.", "That worked for me too.",
           "How long did the refund take?", "Could you post a photo?", "Agreed.", "Any update on this?"),
    "fr": ("Merci, ça m'aide beaucoup !", "Même question ici.", "Quelle taille avez-vous prise finalement ?",
           "Avez-vous eu une réponse du service client ?", "Bon à savoir, merci.", "Ça a marché pour moi aussi.",
           "Combien de temps pour le remboursement ?", "Pouvez-vous poster une photo ?", "D'accord avec vous.",
           "Des nouvelles ?"),
}
FIRST_NAMES = ("Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Emma", "Alice", "Lucie", "Claire",
               "Anna", "Sophie", "Laura", "Marie", "Nora", "Zoé", "Jade", "Lina", "Eva", "Thomas", "Lucas", "Hugo",
               "Louis", "Nathan", "Théo", "Antoine", "Maxime", "Paul", "Julien", "Nicolas", "Karim", "Mehdi", "Yanis",
               "Arthur", "Jules", "Victor", "Samuel", "David", "Olivier", "James", "Oliver", "Amelia", "Grace",
               "Harry", "Isla", "Noah", "Mia", "Leo", "Ava", "Sven", "Greta", "Marco", "Giulia", "Pablo", "Lucía")
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
              "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
              "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand",
              "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Rossi", "Schmidt", "Meyer",
              "Nguyen", "Benali", "Haddad", "Diallo", "Kowalski", "Jansen", "Peeters", "Costa", "Silva")


def person(rng) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


class Filler:
    """Fills a template's {slots} for one post; `rare` adds one of RARE now and then."""

    def __init__(self, rng, lang: str):
        self.rng, self.lang = rng, lang

    def slots(self) -> dict:
        rng, lang = self.rng, self.lang
        product, product2 = rng.sample(PRODUCTS[lang], 2)
        size, size2 = rng.sample(SIZES, 2)
        return {"product": product, "product2": product2, "material": rng.choice(MATERIALS[lang]),
                "colour": rng.choice(COLOURS[lang]), "size": size, "size2": size2, "carrier": rng.choice(CARRIERS),
                "place": rng.choice(PLACES), "brand": rng.choice(BRANDS), "weekday": rng.choice(WEEKDAYS[lang]),
                "days": rng.randint(2, 15), "order": rng.randint(100_000, 999_999),
                "tracking": f"{rng.choice('6789')}{rng.choice('ACLRVXZ')}{rng.randint(10_000, 99_999)}",
                "sku": f"{rng.choice('ABCDEFGHKMPRST')}{rng.choice('ABCDEFGHKMPRST')}-{rng.randint(1000, 9999)}",
                "price": rng.choice((19, 25, 29, 35, 39, 45, 49, 59, 69, 79, 89, 99, 129, 149, 189))}

    def rare(self) -> str:
        if self.rng.randrange(RARE_EVERY) == 0:
            word = self.rng.choice(RARE)
            return (f" (a bit like the {word} one)" if self.lang == "en" else f" (un peu comme le modèle {word})")
        return ""


def question_text(rng, category: str, lang: str) -> tuple[str, str]:
    """Title and Markdown body of a question."""
    fill = Filler(rng, lang)
    slots = fill.slots()
    title = rng.choice(TITLES[(category, lang)]).format(**slots)
    title = title[0].upper() + title[1:]
    parts = [rng.choice(OPENERS[lang])]
    parts += [s.format(**slots) for s in rng.sample(DETAILS[lang], rng.randint(2, 4))]
    parts.append(rng.choice(ASKS[lang]) + fill.rare())
    body = " ".join(p for p in parts if p)
    if rng.random() < 0.2:
        body += "\n\n" + rng.choice(EXTRAS[lang]).format(**slots)
    return title, body


def answer_text(rng, lang: str, official: bool) -> str:
    """Markdown body of an answer: one to four sentences, sometimes a tip or a list."""
    fill = Filler(rng, lang)
    slots = fill.slots()
    if official:
        return rng.choice(OFFICIAL[lang]).format(**slots)
    body = " ".join(s.format(**slots) for s in rng.sample(ANSWERS[lang], rng.randint(1, 3))) + fill.rare()
    if rng.random() < 0.35:
        body += " " + rng.choice(DETAILS[lang]).format(**slots)
    if rng.random() < 0.15:
        body += "\n\n" + rng.choice(EXTRAS[lang])
    return body


def comment_text(rng, lang: str) -> str:
    return rng.choice(COMMENTS[lang])
