"""Run: .venv/bin/python bench/generate_articles.py [--articles 5000] [--seed 1] [--out bench/data/articles]

Writes a synthetic help center for an online shop in the `portal kb import` format:
OUT/categories.yml (copied from content/) and OUT/<lang>/<category>/<slug>.md, half in English and
half in French, each French article the translation of an English one. Same seed, same files.
Load it with `portal kb import OUT` (bench/help_center.py does it through content_io directly).
"""
import argparse
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import common  # first: it puts the repository root on sys.path (bench/ is there already)
import yaml

from portal.text import slugify  # the same slugs the import computes

CATEGORIES_FILE = common.ROOT / "content" / "categories.yml"
LANGS = ("en", "fr")

# Topics per category: (English, French, French with its article). They feed titles and bodies.
TOPICS = {
    "orders": [
        ("order", "commande", "la commande"), ("order confirmation", "confirmation de commande",
                                                "la confirmation de commande"),
        ("invoice", "facture", "la facture"), ("order number", "numéro de commande", "le numéro de commande"),
        ("cancellation", "annulation", "l'annulation"), ("delivery address", "adresse de livraison",
                                                         "l'adresse de livraison"),
        ("guest checkout", "commande sans compte", "la commande sans compte"), ("basket", "panier", "le panier"),
        ("order history", "historique de commandes", "l'historique de commandes"),
        ("missing item", "article manquant", "l'article manquant"), ("wrong item", "article erroné",
                                                                   "l'article erroné"),
        ("split delivery", "livraison en plusieurs colis", "la livraison en plusieurs colis"),
        ("gift message", "message cadeau", "le message cadeau"), ("gift wrapping", "emballage cadeau",
                                                                 "l'emballage cadeau"),
        ("business order", "commande professionnelle", "la commande professionnelle"),
        ("order status", "statut de commande", "le statut de commande"),
    ],
    "shipping-delivery": [
        ("standard delivery", "livraison standard", "la livraison standard"),
        ("express delivery", "livraison express", "la livraison express"),
        ("relay point delivery", "livraison en point relais", "la livraison en point relais"),
        ("delivery costs", "frais de livraison", "les frais de livraison"),
        ("delivery times", "délais de livraison", "les délais de livraison"),
        ("parcel tracking", "suivi de colis", "le suivi de colis"), ("tracking number", "numéro de suivi",
                                                                    "le numéro de suivi"),
        ("late parcel", "colis en retard", "le colis en retard"), ("lost parcel", "colis perdu", "le colis perdu"),
        ("damaged parcel", "colis endommagé", "le colis endommagé"),
        ("click and collect", "retrait en magasin", "le retrait en magasin"),
        ("international delivery", "livraison internationale", "la livraison internationale"),
        ("customs duties", "droits de douane", "les droits de douane"),
        ("delivery slot", "créneau de livraison", "le créneau de livraison"),
        ("parcel locker", "consigne automatique", "la consigne automatique"),
    ],
    "returns-refunds": [
        ("return", "retour", "le retour"), ("return label", "étiquette de retour", "l'étiquette de retour"),
        ("refund", "remboursement", "le remboursement"), ("exchange", "échange", "l'échange"),
        ("return period", "délai de retour", "le délai de retour"),
        ("free returns", "retour gratuit", "le retour gratuit"), ("refund delay", "délai de remboursement",
                                                                  "le délai de remboursement"),
        ("size exchange", "échange de taille", "l'échange de taille"),
        ("return in store", "retour en magasin", "le retour en magasin"),
        ("faulty item", "article défectueux", "l'article défectueux"),
        ("store credit", "avoir", "l'avoir"), ("partial refund", "remboursement partiel",
                                               "le remboursement partiel"),
        ("return tracking", "suivi du retour", "le suivi du retour"),
    ],
    "payments": [
        ("payment", "paiement", "le paiement"), ("credit card", "carte bancaire", "la carte bancaire"),
        ("PayPal", "PayPal", "PayPal"), ("payment in instalments", "paiement en plusieurs fois",
                                         "le paiement en plusieurs fois"),
        ("declined payment", "paiement refusé", "le paiement refusé"),
        ("3D Secure", "3D Secure", "l'authentification 3D Secure"), ("promo code", "code promo", "le code promo"),
        ("gift card", "carte cadeau", "la carte cadeau"), ("loyalty points", "points de fidélité",
                                                           "les points de fidélité"),
        ("double charge", "double débit", "le double débit"), ("bank transfer", "virement bancaire",
                                                               "le virement bancaire"),
        ("Apple Pay", "Apple Pay", "Apple Pay"), ("sales", "soldes", "les soldes"),
        ("price adjustment", "ajustement de prix", "l'ajustement de prix"),
    ],
    "products-sizing": [
        ("size guide", "guide des tailles", "le guide des tailles"), ("fit", "coupe", "la coupe"),
        ("shoe size", "pointure", "la pointure"), ("product care", "entretien", "l'entretien"),
        ("washing instructions", "conseils de lavage", "les conseils de lavage"),
        ("warranty", "garantie", "la garantie"), ("repair", "réparation", "la réparation"),
        ("stock availability", "disponibilité", "la disponibilité"),
        ("back in stock alert", "alerte de réassort", "l'alerte de réassort"),
        ("pre-order", "précommande", "la précommande"), ("materials", "matières", "les matières"),
        ("sustainable packaging", "emballage durable", "l'emballage durable"),
        ("product defect", "défaut de fabrication", "le défaut de fabrication"),
        ("alterations", "retouches", "les retouches"),
    ],
    "account-privacy": [
        ("account", "compte client", "le compte client"), ("password", "mot de passe", "le mot de passe"),
        ("login", "connexion", "la connexion"), ("email address", "adresse e-mail", "l'adresse e-mail"),
        ("newsletter", "newsletter", "la newsletter"), ("personal data", "données personnelles",
                                                        "les données personnelles"),
        ("account deletion", "suppression du compte", "la suppression du compte"),
        ("cookies", "cookies", "les cookies"), ("two-step verification", "double authentification",
                                                "la double authentification"),
        ("saved addresses", "carnet d'adresses", "le carnet d'adresses"),
        ("wish list", "liste d'envies", "la liste d'envies"), ("data export", "export des données",
                                                               "l'export des données"),
    ],
    "contact-help": [
        ("customer service", "service client", "le service client"), ("live chat", "chat en ligne",
                                                                      "le chat en ligne"),
        ("phone support", "assistance téléphonique", "l'assistance téléphonique"),
        ("contact form", "formulaire de contact", "le formulaire de contact"),
        ("complaint", "réclamation", "la réclamation"), ("store opening hours", "horaires des magasins",
                                                         "les horaires des magasins"),
        ("store appointment", "rendez-vous en magasin", "le rendez-vous en magasin"),
        ("feedback", "avis client", "l'avis client"), ("mediation", "médiation", "la médiation"),
        ("personal shopping", "conseil personnalisé", "le conseil personnalisé"),
    ],
}

QUALIFIERS = [
    ("in France", "en France"), ("for international orders", "pour les commandes internationales"),
    ("during the sales", "pendant les soldes"), ("with the mobile app", "avec l'application mobile"),
    ("for gift orders", "pour une commande cadeau"), ("for marketplace items", "pour les articles marketplace"),
    ("for business customers", "pour les professionnels"), ("in store", "en magasin"),
    ("for pre-orders", "pour les précommandes"), ("on public holidays", "les jours fériés"),
    ("for large items", "pour les articles volumineux"), ("for loyalty club members", "pour les membres du club"),
    ("without an account", "sans compte client"), ("to Corsica", "vers la Corse"),
    ("to overseas territories", "vers les DROM"), ("for a first order", "pour une première commande"),
    ("after 30 days", "après 30 jours"), ("to Belgium and Switzerland", "vers la Belgique et la Suisse"),
    ("for sale items", "pour les articles soldés"), ("at Christmas", "à Noël"),
]

TITLES = {
    "en": ["{Topic}: what you need to know", "All about {topic}", "Questions about {topic}",
           "Problems with {topic}", "{Topic} {qualifier}", "How {topic} works {qualifier}", "Help with {topic}",
           "{Topic}: frequently asked questions", "Understanding {topic}", "A guide to {topic} {qualifier}",
           "What happens to my {topic} {qualifier}?", "Can I change my {topic}?", "{Topic} step by step",
           "Is {topic} available {qualifier}?", "Why can't I see my {topic}?"],
    "fr": ["{Topic} : tout ce qu'il faut savoir", "Tout savoir sur {topic}", "Questions sur {le_topic}",
           "Un problème avec {le_topic} ?", "{Topic} {qualifier}", "Comment fonctionne {le_topic} {qualifier} ?",
           "Aide : {topic}", "{Topic} : questions fréquentes", "Comprendre {le_topic}",
           "Guide : {topic} {qualifier}", "Que devient {le_topic} {qualifier} ?", "Puis-je modifier {le_topic} ?",
           "{Topic} étape par étape", "{Topic} {qualifier} : est-ce possible ?", "Je ne trouve pas {le_topic}"],
}

HEADINGS = {
    "en": ["Before you start", "Step by step", "Good to know", "Timeframes", "Costs", "Exceptions",
           "If something goes wrong", "In the app", "In store", "For international customers",
           "Frequently asked questions", "Still need help?", "What we need from you", "Our commitments"],
    "fr": ["Avant de commencer", "Étape par étape", "Bon à savoir", "Délais", "Frais", "Exceptions",
           "En cas de problème", "Dans l'application", "En magasin", "Pour nos clients à l'étranger",
           "Questions fréquentes", "Besoin d'aide ?", "Ce dont nous avons besoin", "Nos engagements"],
}

# Sentences: {topic} is the article's topic; the other slots are filled at random.
SENTENCES = {
    "en": {
        "orders": [
            "You can follow your {topic} at any time from **My orders** in your account.",
            "Your order confirmation email arrives within {minutes} minutes and lists every item you ordered.",
            "An order can be changed or cancelled for {minutes} minutes after payment, as long as it has not been prepared.",
            "Invoices are available as PDF files in your account as soon as your order ships.",
            "If an item is missing from your parcel, check whether your order was sent in several parcels.",
            "Your order number starts with ME- and appears in every email we send about your order.",
            "Orders placed before {hour} on a working day leave our warehouse the same day.",
            "You can add a gift message of up to {chars} characters at checkout; prices are never shown on the packing slip.",
            "Business customers can ask for an invoice with their company name and VAT number.",
            "If you received the wrong item, send us a photo of the label and we will send the right one at no cost.",
        ],
        "shipping-delivery": [
            "Standard delivery takes {days} to {days2} working days in mainland France.",
            "Express delivery arrives the next working day for orders placed before {hour}.",
            "Delivery is free from {amount} and costs {small_amount} below that.",
            "Your tracking number is sent by email as soon as the carrier picks up your parcel from {carrier}.",
            "Relay points keep your parcel for {days2} days; after that it comes back to us and we refund you.",
            "If your parcel shows as delivered but you cannot find it, check with your neighbours and your building's mailroom first.",
            "Parcels to Switzerland and the United Kingdom may be charged customs duties on delivery.",
            "During the sales, delivery times can be one or two days longer than usual.",
            "The {carrier} tracking page updates a few hours after each scan.",
            "Large items are delivered by appointment: the carrier calls you to agree on a delivery slot.",
            "You can change the delivery address of a parcel from the carrier's tracking page until it is out for delivery.",
        ],
        "returns-refunds": [
            "You have {return_days} days from delivery to return an item, unworn and with its labels.",
            "Returns are free by drop-off at a relay point or in any of our stores.",
            "We refund your original payment method within {days} working days of receiving your return.",
            "To exchange a size, return the item and place a new order: it is the fastest way to get your size.",
            "Your prepaid return label is available in **My orders**, next to the order you want to return.",
            "Sale items can be returned within the same period as other items, but not exchanged.",
            "A faulty item can be returned at any time during its warranty, even after the return period.",
            "If you paid with a gift card, the refund is made as store credit valid for one year.",
            "Your bank may take a further {days} days to show the refund on your statement.",
            "Pack the items in their original packaging if you still have it, or in any sturdy box.",
        ],
        "payments": [
            "We accept Visa, Mastercard, American Express, PayPal, Apple Pay and gift cards.",
            "You can pay in three or four instalments for orders from {amount}, without fees.",
            "Your card is only charged when your order ships; before that you may see an authorisation.",
            "A payment can be declined by your bank's 3D Secure check: try again or use another card.",
            "Promo codes are entered in your basket and cannot be combined with each other.",
            "Gift cards are valid for one year and can be used online and in store, in several purchases.",
            "Loyalty points are added {days} days after delivery, once the return period is over.",
            "If you see a double charge, one of the two is an authorisation that disappears within {days} days.",
            "We never ask for your card details by email or phone.",
            "Prices include VAT for deliveries within the European Union.",
        ],
        "products-sizing": [
            "Our size guide gives body measurements in centimetres for each size, from XS to XXL.",
            "If you are between two sizes, we recommend the larger one for coats and the smaller one for knitwear.",
            "Wash at {temperature} °C on a gentle cycle, inside out, and dry flat to keep the shape.",
            "All our products have a two-year legal warranty against manufacturing defects.",
            "Sign up for a back-in-stock alert on the product page and we email you as soon as your size returns.",
            "Pre-orders ship on the date shown on the product page; you are charged when they ship.",
            "Our packaging is made of recycled cardboard and contains no plastic.",
            "Our repair workshop fixes zips, seams and buttons, free of charge during the first year.",
            "Colours may look slightly different on screen depending on your display settings.",
            "Shoe sizes follow the European scale; the size guide includes a conversion table.",
        ],
        "account-privacy": [
            "You can reset your password from the login page with the link we send by email, valid for {hours} hours.",
            "Your account keeps your addresses, your orders, your wish list and your loyalty points.",
            "To change your email address, go to **My details** and confirm the new address from the email we send.",
            "You can unsubscribe from our newsletter at any time from the link at the bottom of each email.",
            "We keep your personal data for three years after your last order, then delete it.",
            "You can download a copy of your data or ask us to delete your account from **Privacy**.",
            "Two-step verification adds a code sent by text message when you log in from a new device.",
            "Cookies help us keep your basket between visits; you can change your choices at any time.",
            "After {attempts} failed attempts, logging in is paused for fifteen minutes to protect your account.",
        ],
        "contact-help": [
            "Our customer service team answers by chat from 9:00 to 19:00, Monday to Saturday.",
            "By phone, the average waiting time is under {minutes} minutes on weekday mornings.",
            "The contact form in your account attaches your order details automatically.",
            "We answer emails within {hours} working hours.",
            "Our stores are open Monday to Saturday; opening hours are shown on the store locator.",
            "You can book a personal shopping appointment in store for free.",
            "If you are not satisfied with our answer, you can contact the consumer mediator free of charge.",
            "After each conversation we send a one-question survey; we read every comment.",
        ],
        "generic": [
            "This applies to every order placed on our website and in our app.",
            "If you have any question about your {topic}, our team is happy to help.",
            "Keep your order number handy: it lets us find your {topic} straight away.",
            "The steps are the same on a computer, a tablet or a phone.",
            "We will let you know by email at every step.",
            "Some conditions may differ for marketplace items sold by our partners.",
            "Everything about {topic} is also explained in the emails we send after your order.",
            "You will find the details of your {topic} in your account, under the order concerned.",
            "We update this page whenever our conditions change.",
            "For the fastest answer, contact us from your account so that we can see your {topic} directly.",
            "Our team checks each request individually, usually within {days} working days.",
            "Screenshots or photos help us solve the problem in a single reply.",
        ],
    },
    "fr": {
        "orders": [
            "Vous pouvez suivre {le_topic} à tout moment depuis **Mes commandes** dans votre compte.",
            "L'e-mail de confirmation arrive dans les {minutes} minutes et récapitule tous les articles commandés.",
            "Une commande peut être modifiée ou annulée pendant {minutes} minutes après le paiement, tant qu'elle n'est pas préparée.",
            "Les factures sont disponibles en PDF dans votre compte dès l'expédition de la commande.",
            "S'il manque un article dans votre colis, vérifiez si votre commande a été envoyée en plusieurs colis.",
            "Votre numéro de commande commence par ME- et figure dans tous nos e-mails.",
            "Les commandes passées avant {hour} un jour ouvré quittent notre entrepôt le jour même.",
            "Vous pouvez ajouter un message cadeau de {chars} caractères maximum ; les prix n'apparaissent jamais sur le bon de livraison.",
            "Les professionnels peuvent demander une facture avec leur raison sociale et leur numéro de TVA.",
            "Si vous avez reçu le mauvais article, envoyez-nous une photo de l'étiquette : nous vous envoyons le bon sans frais.",
        ],
        "shipping-delivery": [
            "La livraison standard prend {days} à {days2} jours ouvrés en France métropolitaine.",
            "La livraison express arrive le jour ouvré suivant pour toute commande passée avant {hour}.",
            "La livraison est offerte dès {amount} et coûte {small_amount} en dessous.",
            "Votre numéro de suivi vous est envoyé par e-mail dès que {carrier} prend en charge votre colis.",
            "Les points relais conservent votre colis {days2} jours ; passé ce délai, il nous revient et nous vous remboursons.",
            "Si votre colis est indiqué comme livré mais introuvable, vérifiez d'abord auprès de vos voisins et de votre gardien.",
            "Les colis vers la Suisse et le Royaume-Uni peuvent être soumis à des droits de douane à la livraison.",
            "Pendant les soldes, les délais de livraison peuvent être allongés d'un ou deux jours.",
            "La page de suivi {carrier} se met à jour quelques heures après chaque scan.",
            "Les articles volumineux sont livrés sur rendez-vous : le transporteur vous appelle pour convenir d'un créneau.",
            "Vous pouvez modifier l'adresse de livraison depuis la page de suivi du transporteur tant que le colis n'est pas en cours de livraison.",
        ],
        "returns-refunds": [
            "Vous disposez de {return_days} jours après la livraison pour retourner un article non porté, avec ses étiquettes.",
            "Les retours sont gratuits en point relais ou dans l'un de nos magasins.",
            "Nous remboursons votre moyen de paiement d'origine sous {days} jours ouvrés après réception du retour.",
            "Pour échanger une taille, retournez l'article et passez une nouvelle commande : c'est le plus rapide.",
            "Votre étiquette de retour prépayée est disponible dans **Mes commandes**, à côté de la commande concernée.",
            "Les articles soldés peuvent être retournés dans le même délai que les autres, mais pas échangés.",
            "Un article défectueux peut être retourné pendant toute la durée de sa garantie, même après le délai de retour.",
            "Si vous avez payé par carte cadeau, le remboursement est fait sous forme d'avoir valable un an.",
            "Votre banque peut mettre {days} jours de plus pour faire apparaître le remboursement sur votre relevé.",
            "Emballez les articles dans leur emballage d'origine si vous l'avez encore, ou dans un carton solide.",
        ],
        "payments": [
            "Nous acceptons Visa, Mastercard, American Express, PayPal, Apple Pay et les cartes cadeaux.",
            "Vous pouvez payer en trois ou quatre fois sans frais à partir de {amount} d'achat.",
            "Votre carte n'est débitée qu'à l'expédition ; avant cela, vous pouvez voir une autorisation.",
            "Un paiement peut être refusé par le contrôle 3D Secure de votre banque : réessayez ou utilisez une autre carte.",
            "Les codes promo se saisissent dans le panier et ne sont pas cumulables.",
            "Les cartes cadeaux sont valables un an, en ligne et en magasin, en plusieurs achats.",
            "Les points de fidélité sont crédités {days} jours après la livraison, une fois le délai de retour écoulé.",
            "Si vous voyez un double débit, l'un des deux est une autorisation qui disparaît sous {days} jours.",
            "Nous ne vous demandons jamais vos coordonnées bancaires par e-mail ou par téléphone.",
            "Les prix s'entendent TTC pour les livraisons dans l'Union européenne.",
        ],
        "products-sizing": [
            "Notre guide des tailles indique les mesures en centimètres pour chaque taille, du XS au XXL.",
            "Si vous hésitez entre deux tailles, prenez la plus grande pour les manteaux et la plus petite pour la maille.",
            "Lavez à {temperature} °C en cycle délicat, sur l'envers, et séchez à plat pour garder la forme.",
            "Tous nos produits bénéficient de la garantie légale de conformité de deux ans.",
            "Activez l'alerte de réassort sur la fiche produit : nous vous prévenons dès le retour de votre taille.",
            "Les précommandes sont expédiées à la date indiquée sur la fiche produit ; le débit a lieu à l'expédition.",
            "Nos emballages sont en carton recyclé et ne contiennent pas de plastique.",
            "Notre atelier répare fermetures, coutures et boutons, gratuitement la première année.",
            "Les couleurs peuvent varier légèrement selon les réglages de votre écran.",
            "Les pointures suivent la grille européenne ; le guide des tailles contient un tableau de conversion.",
        ],
        "account-privacy": [
            "Vous pouvez réinitialiser votre mot de passe depuis la page de connexion avec le lien reçu par e-mail, valable {hours} heures.",
            "Votre compte conserve vos adresses, vos commandes, votre liste d'envies et vos points de fidélité.",
            "Pour changer d'adresse e-mail, allez dans **Mes informations** et confirmez la nouvelle adresse depuis l'e-mail reçu.",
            "Vous pouvez vous désinscrire de la newsletter à tout moment depuis le lien en bas de chaque e-mail.",
            "Nous conservons vos données personnelles trois ans après votre dernière commande, puis nous les supprimons.",
            "Vous pouvez télécharger vos données ou demander la suppression de votre compte depuis **Confidentialité**.",
            "La double authentification ajoute un code envoyé par SMS lors d'une connexion depuis un nouvel appareil.",
            "Les cookies nous permettent de conserver votre panier entre deux visites ; vous pouvez modifier vos choix à tout moment.",
            "Après {attempts} tentatives échouées, la connexion est suspendue quinze minutes pour protéger votre compte.",
        ],
        "contact-help": [
            "Notre service client répond par chat de 9 h à 19 h, du lundi au samedi.",
            "Par téléphone, l'attente moyenne est inférieure à {minutes} minutes en semaine le matin.",
            "Le formulaire de contact de votre compte joint automatiquement les détails de votre commande.",
            "Nous répondons aux e-mails sous {hours} heures ouvrées.",
            "Nos magasins sont ouverts du lundi au samedi ; les horaires figurent sur la carte des magasins.",
            "Vous pouvez réserver gratuitement un rendez-vous de conseil personnalisé en magasin.",
            "Si notre réponse ne vous satisfait pas, vous pouvez saisir gratuitement le médiateur de la consommation.",
            "Après chaque échange, nous vous envoyons une enquête d'une question ; nous lisons chaque commentaire.",
        ],
        "generic": [
            "Cela vaut pour toutes les commandes passées sur notre site et dans notre application.",
            "Pour toute question sur {le_topic}, notre équipe est là pour vous aider.",
            "Gardez votre numéro de commande à portée de main : il nous permet de retrouver {le_topic} tout de suite.",
            "Les étapes sont les mêmes sur ordinateur, tablette ou téléphone.",
            "Nous vous tenons informé par e-mail à chaque étape.",
            "Certaines conditions peuvent différer pour les articles marketplace vendus par nos partenaires.",
            "Tout ce qui concerne {le_topic} est aussi expliqué dans les e-mails envoyés après votre commande.",
            "Vous trouverez le détail de {le_topic} dans votre compte, sous la commande concernée.",
            "Nous mettons cette page à jour dès que nos conditions changent.",
            "Pour une réponse rapide, contactez-nous depuis votre compte afin que nous voyions directement {le_topic}.",
            "Notre équipe étudie chaque demande individuellement, en général sous {days} jours ouvrés.",
            "Des captures d'écran ou des photos nous aident à régler le problème en une seule réponse.",
        ],
    },
}

# Words that occur in a handful of articles each: the "rare terms" of the benchmark searches.
RARE = {
    "material": ["merino", "alpaca", "lyocell", "seersucker", "corduroy", "chambray", "cashmere", "tweed",
                 "moleskine", "gabardine", "jacquard", "mohair", "viscose", "shearling", "neoprene",
                 "cupro", "boucle", "oilskin", "ramie", "velours"],
    "town": ["Annecy", "Quimper", "Perpignan", "Besançon", "Colmar", "Biarritz", "Ajaccio", "Cayenne", "Nouméa",
             "Papeete", "Dunkerque", "Chamonix", "Carcassonne", "Saint-Malo", "Arcachon", "Mulhouse", "Limoges",
             "Lorient", "Valenciennes", "Menton"],
    "brand": ["Bancontact", "Twint", "Satispay", "Klarna", "Alma", "Lydia", "Paylib", "Oney", "Scalapay",
              "Cofidis", "Payconiq", "Sofort", "Giropay", "Przelewy", "Multibanco", "Bizum", "Vipps", "Swish",
              "Trustly", "Zimpler"],
}
RARE_SENTENCES = {
    "en": {"material": "Pieces made of {rare} need extra care: follow the label and avoid the tumble dryer.",
           "town": "Customers near {rare} can also use our partner relay points in town.",
           "brand": "In some countries you can also pay with {rare} at checkout."},
    "fr": {"material": "Les pièces en {rare} demandent un soin particulier : suivez l'étiquette et évitez le sèche-linge.",
           "town": "Près de {rare}, vous pouvez aussi utiliser nos points relais partenaires en ville.",
           "brand": "Dans certains pays, vous pouvez aussi payer avec {rare} lors de la commande."},
}
RARE_SHARE = 0.35  # articles carrying one rare word: ~9 articles per word and language at 5,000

CARRIERS = ["Colissimo", "Chronopost", "DPD", "UPS", "DHL Express", "GLS", "Mondial Relay", "Relais Colis"]
STILL_NEED_HELP = {"en": "Didn't find your answer? [Contact our customer service team](/help/en/articles/{slug}).",
                   "fr": "Vous n'avez pas trouvé votre réponse ? [Contactez notre service client](/help/fr/articles/{slug})."}
SEE_ALSO = {"en": "See also: [{title}](/help/en/articles/{slug}).", "fr": "Voir aussi : [{title}](/help/fr/articles/{slug})."}
TABLE_HEAD = {"en": "| Option | Timeframe | Cost |\n|---|---|---|", "fr": "| Option | Délai | Coût |\n|---|---|---|"}
TABLE_ROWS = {"en": ["Standard", "Express", "Relay point", "Click and collect", "Large items"],
              "fr": ["Standard", "Express", "Point relais", "Retrait en magasin", "Articles volumineux"]}
COSTS = {"en": ["free", "€4.90", "€9.90", "€14.90"], "fr": ["offert", "4,90 €", "9,90 €", "14,90 €"]}
DAYS_WORD = {"en": "working days", "fr": "jours ouvrés"}


@dataclass
class Plan:
    """One EN/FR pair before its bodies are written."""

    category: str
    section: str | None
    topic: tuple
    titles: dict
    slugs: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)


def read_categories(path: Path = CATEGORIES_FILE) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _title(rng, lang: str, topic: tuple, qualifier: tuple) -> str:
    template = rng.choice(TITLES[lang])
    en, fr, le_fr = topic
    noun = en if lang == "en" else fr
    text = template.format(Topic=_capitalise(noun), topic=noun, le_topic=le_fr,
                           qualifier=qualifier[0] if lang == "en" else qualifier[1])
    return " ".join(text.split())


def plan_pairs(rng, pairs: int, categories: list[dict]) -> list[Plan]:
    """Titles, slugs, category, section and tags of every EN/FR pair; titles unique per language."""
    plans, seen = [], {lang: set() for lang in LANGS}
    slugs = {lang: set() for lang in LANGS}
    by_slug = {c["slug"]: c for c in categories}
    cat_slugs = [c["slug"] for c in categories if c["slug"] in TOPICS]
    while len(plans) < pairs:
        cat = by_slug[rng.choice(cat_slugs)]
        topic = rng.choice(TOPICS[cat["slug"]])
        qualifier = rng.choice(QUALIFIERS)
        state = rng.getstate()
        titles = {}
        for lang in LANGS:
            rng.setstate(state)  # the same template index in both languages: a real translation
            titles[lang] = _title(rng, lang, topic, qualifier)
        if any(titles[lang] in seen[lang] for lang in LANGS):
            qualifier2 = rng.choice(QUALIFIERS)
            titles = {lang: f"{titles[lang]} ({qualifier2[LANGS.index(lang)]})" for lang in LANGS}
            if any(titles[lang] in seen[lang] for lang in LANGS):
                continue
        sections = [s["slug"] for s in cat.get("sections") or []]
        plan = Plan(category=cat["slug"], section=rng.choice(sections) if sections else None,
                    topic=topic, titles=titles)
        for lang in LANGS:
            seen[lang].add(titles[lang])
            slug, n = slugify(titles[lang]), 2
            while slug in slugs[lang]:
                slug, n = f"{slugify(titles[lang])}-{n}", n + 1
            slugs[lang].add(slug)
            plan.slugs[lang] = slug
            words = [t[LANGS.index(lang)].lower() for t in rng.sample(TOPICS[cat["slug"]], 3)]
            plan.tags[lang] = list(dict.fromkeys([topic[LANGS.index(lang)].lower(), *words]))
        plans.append(plan)
    return plans


def _slots(rng, lang: str, topic: tuple) -> dict:
    def euro(amount):
        return f"€{amount}" if lang == "en" else f"{amount} €".replace(".", ",")

    def hour(h):
        return f"{h}:00" if lang == "en" else f"{h} h"

    return {"topic": topic[0] if lang == "en" else topic[1], "le_topic": topic[2],
            "days": rng.randint(2, 5), "days2": rng.randint(6, 14), "minutes": rng.choice([5, 10, 15, 30]),
            "hour": hour(rng.choice([12, 13, 14, 15, 16])), "chars": rng.choice([150, 200, 250]),
            "amount": euro(rng.choice([49, 60, 80, 100, 150])),
            "small_amount": euro(rng.choice(["4.90", "5.90", "6.90"])), "carrier": rng.choice(CARRIERS),
            "hours": rng.choice([24, 48, 72]), "return_days": rng.choice([30, 60]),
            "temperature": rng.choice([30, 40]), "attempts": rng.choice([5, 10])}


def _sentence(rng, lang: str, category: str, topic: tuple) -> str:
    bank = SENTENCES[lang][category] if rng.random() < 0.6 else SENTENCES[lang]["generic"]
    if rng.random() < 0.1:  # help centres cross-reference: a sentence from another topic
        bank = SENTENCES[lang][rng.choice(sorted(TOPICS))]
    return rng.choice(bank).format(**_slots(rng, lang, topic))


def _distinct(rng, lang, category, topic, used: set) -> str:
    """A sentence not yet used in this article (a few tries: the banks are small)."""
    for _ in range(4):
        text = _sentence(rng, lang, category, topic)
        if text not in used:
            break
    used.add(text)
    return text


def write_body(rng, lang: str, plan: Plan, others: list[Plan], contact_slug: str) -> str:
    """Markdown body of 250-900 words: intro, 3-6 sections with paragraphs, lists, a table, links."""
    used = set()

    def sentence():
        return _distinct(rng, lang, plan.category, plan.topic, used)

    def paragraph(low, high):
        return " ".join(sentence() for _ in range(rng.randint(low, high)))

    blocks = [paragraph(2, 4)]
    for heading in rng.sample(HEADINGS[lang], rng.randint(3, 6)):
        blocks.append(f"## {heading}")
        for _ in range(rng.randint(1, 3)):
            roll = rng.random()
            if roll < 0.2:
                blocks.append("\n".join(f"- {sentence()}" for _ in range(rng.randint(3, 5))))
            elif roll < 0.27:
                rows = [f"| {name} | {rng.randint(1, 5)}–{rng.randint(6, 10)} {DAYS_WORD[lang]} | "
                        f"{rng.choice(COSTS[lang])} |" for name in rng.sample(TABLE_ROWS[lang], 3)]
                blocks.append("\n".join([TABLE_HEAD[lang], *rows]))
            else:
                blocks.append(paragraph(2, 5))
        if rng.random() < 0.3:
            other = rng.choice(others)
            blocks.append(SEE_ALSO[lang].format(title=other.titles[lang], slug=other.slugs[lang]))
    if rng.random() < RARE_SHARE:
        kind = rng.choice(sorted(RARE))
        blocks.insert(rng.randint(1, len(blocks)), RARE_SENTENCES[lang][kind].format(rare=rng.choice(RARE[kind])))
    blocks.append(STILL_NEED_HELP[lang].format(slug=contact_slug))
    return "\n\n".join(blocks) + "\n"


def _summary(rng, lang: str, plan: Plan) -> str:
    text = _sentence(rng, lang, plan.category, plan.topic).replace("**", "")
    return text if len(text) <= 300 else text[:297].rsplit(" ", 1)[0] + "…"


def generate_corpus(count: int = 5000, seed: int = 1) -> list[dict]:
    """`count` article records (title, slug, lang, category, section, tags, summary, body, order,
    translation), alternating EN and FR translations of each other; deterministic for a seed."""
    rng = random.Random(seed)
    categories = read_categories()
    plans = plan_pairs(rng, (count + 1) // 2, categories)
    contact = next((p for p in plans if p.category == "contact-help"), plans[0])
    articles = []
    for i, plan in enumerate(plans):
        for lang in LANGS:
            if len(articles) == count:
                break
            other_lang = LANGS[1 - LANGS.index(lang)]
            articles.append({
                "title": plan.titles[lang], "slug": plan.slugs[lang], "category": plan.category,
                **({"section": plan.section} if plan.section else {}), "tags": plan.tags[lang], "lang": lang,
                "summary": _summary(rng, lang, plan), "order": i % 20,
                "translation": plan.slugs[other_lang],
                "body": write_body(rng, lang, plan, plans, contact.slugs[lang]),
            })
    return articles


def write_directory(articles: list[dict], out: Path) -> Path:
    """Write categories.yml and one Markdown file per article in the `portal kb import` layout."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copy(CATEGORIES_FILE, out / "categories.yml")
    for article in articles:
        meta = {k: v for k, v in article.items() if k != "body"}
        path = out / article["lang"] / article["category"] / f"{article['slug']}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
        path.write_text(f"---\n{head}---\n{article['body']}", encoding="utf-8")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000, help="number of articles (default 5000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=common.DATA_ROOT / "articles")
    args = parser.parse_args(argv)
    articles = generate_corpus(args.articles, args.seed)
    write_directory(articles, args.out)
    words = sum(len(a["body"].split()) for a in articles)
    print(f"Wrote {len(articles)} articles ({words / len(articles):.0f} words on average) to {args.out}")


if __name__ == "__main__":
    main()
