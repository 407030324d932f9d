"""Words for bench/generate_tickets.py: people, subjects and messages of an online shop's support desk."""

FIRST = ("Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Emma", "Alice", "Lucie", "Claire", "Anna",
         "Sophie", "Laura", "Marie", "Nora", "Zoé", "Jade", "Lina", "Eva", "Thomas", "Lucas", "Hugo", "Louis",
         "Nathan", "Théo", "Antoine", "Maxime", "Paul", "Julien", "Nicolas", "Karim", "Mehdi", "Yanis", "Arthur",
         "Jules", "Victor", "Samuel", "David", "Olivier", "James", "Oliver", "Amelia", "Grace", "Harry", "Isla",
         "Noah", "Mia", "Leo", "Ava", "Sven", "Greta", "Marco", "Giulia", "Pablo", "Lucía", "Tom", "Lena")
LAST = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
        "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
        "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier",
        "Faure", "Rousseau", "Blanc", "Guerin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin",
        "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Rossi", "Ferrari", "Schmidt", "Meyer",
        "Nguyen", "Benali", "Haddad", "Diallo", "Kowalski", "Jansen", "Peeters", "Costa", "Silva")
MAIL_DOMAINS = ("gmail.example", "orange.example", "free.example", "outlook.example", "laposte.example",
                "yahoo.example", "icloud.example", "proton.example")
PRODUCTS = ("merino wool jumper", "linen shirt", "leather ankle boots", "running trainers", "denim jacket",
            "wool coat", "silk scarf", "canvas tote bag", "cotton T-shirt pack", "waterproof parka", "chino trousers",
            "summer dress", "cashmere beanie", "suede loafers", "rain boots", "yoga leggings", "down jacket",
            "gift box", "leather belt", "sunglasses", "duvet cover set", "ceramic mug set", "desk lamp",
            "backpack", "kids' raincoat", "swimsuit", "hiking socks", "puffer vest", "bath towels", "wallet")
CARRIERS = ("Colissimo", "Chronopost", "DPD", "UPS", "Mondial Relay", "GLS", "DHL")
SIZES = ("XS", "S", "M", "L", "XL", "38", "40", "42", "44", "EU 39", "EU 41", "EU 43")
COLOURS = ("navy", "black", "off-white", "camel", "forest green", "burgundy", "grey marl", "sky blue")

SUBJECTS = {
    "shipping": ("Where is my order #{order}?", "Order #{order} has not arrived", "Parcel stuck in transit",
                 "{carrier} tracking not updating", "Delivery marked as delivered but nothing received",
                 "Late delivery for order #{order}", "Can I change my delivery address?", "Parcel damaged on arrival",
                 "Relay point closed, where is my parcel?", "Delivery to the wrong address"),
    "returns": ("Return for order #{order}", "Refund not received yet", "How do I return my {product}?",
                "Exchange {product} for size {size}", "Return label not working", "Item returned but no refund",
                "Wrong size, need an exchange", "Faulty {product}, want a refund", "Partial refund question",
                "Return period for sale items"),
    "order": ("Missing item in order #{order}", "Wrong item received", "Cancel order #{order}",
              "Change my order before it ships", "Order confirmation not received", "Invoice for order #{order}",
              "Gift message missing from order", "Double order by mistake", "Item out of stock after ordering",
              "Can I add an item to my order?"),
    "payment": ("Charged twice for order #{order}", "Payment declined", "Promo code not working",
                "Gift card balance wrong", "Refund to which card?", "Paying in instalments",
                "3D Secure code never arrives", "Price dropped after I ordered", "PayPal payment pending",
                "VAT invoice needed"),
    "product": ("Size advice for the {product}", "{product} faded after one wash", "Is the {product} waterproof?",
                "When will the {product} be back in stock?", "Zip broke on my {product}",
                "Care instructions for {product}", "Colour different from the photo", "Warranty for {product}",
                "Does the {product} run small?", "Material of the {product}"),
    "account": ("Cannot log in to my account", "Password reset email not received", "Change my email address",
                "Delete my account", "Unsubscribe from the newsletter", "Loyalty points missing",
                "Two accounts, can you merge them?", "Data export request"),
    "other": ("Question about your stores", "Feedback on my order", "Partnership enquiry", "Complaint",
              "Opening hours at the Lyon store", "Do you ship to Switzerland?"),
}

PROBLEMS = {
    "shipping": ("I ordered my {product} on {weekday} and the tracking still says 'label created'.",
                 "{carrier} says the parcel was delivered but there is nothing at my door or with my neighbours.",
                 "The tracking number {tracking} has not moved for five days.",
                 "The parcel arrived with the box torn open and the {product} is scratched.",
                 "I was told delivery would take 2-3 days, it has been a week now.",
                 "The relay point near me closed and I don't know where my parcel went."),
    "returns": ("I sent the {product} back two weeks ago and still have no refund.",
                "The {product} is too small, I would like size {size} instead.",
                "The return label in the email gives an error when I try to print it.",
                "I returned two items from order #{order} but was refunded for only one.",
                "The {product} has a defect on the seam, I want to send it back.",
                "Can I return a sale item? It doesn't fit at all."),
    "order": ("My order #{order} arrived without the {product}.",
              "I received a {colour} {product} but I ordered a different colour.",
              "I placed the same order twice by mistake, please cancel one.",
              "I never got the confirmation email for order #{order}, but I was charged.",
              "I need an invoice with my company name for order #{order}.",
              "Could you add a gift message before the order ships?"),
    "payment": ("My card was charged twice ({amount} each) for order #{order}.",
                "My payment keeps being declined although my card works elsewhere.",
                "The promo code WELCOME10 says it is not valid for my basket.",
                "My gift card should have {amount} left but the site shows less.",
                "The price of the {product} dropped the day after I ordered it.",
                "I paid with PayPal and the order is still 'awaiting payment'."),
    "product": ("Would the {product} in size {size} fit someone who is usually a {size}?",
                "My {product} lost its colour after the first wash at 30 degrees.",
                "The zip of my {product} broke after three weeks.",
                "Is the {product} going to be restocked in {colour}?",
                "The {colour} looks much darker than on the photos.",
                "What is the {product} made of? I am allergic to wool."),
    "account": ("I can't log in, the site says my password is wrong even after a reset.",
                "The password reset email never arrives, I checked my spam folder.",
                "I would like to change the email address on my account.",
                "Please delete my account and my personal data.",
                "My loyalty points from my last order are missing.",
                "I have two accounts with different emails, can they be merged?"),
    "other": ("I wanted to share some feedback about my last order.",
              "Do you deliver to Switzerland and what are the costs?",
              "What are the opening hours of your store in Lyon?",
              "I am not happy with how my last request was handled."),
}
FOLLOW_UPS = ("Any news about this please?", "I am still waiting for an answer.",
              "Here is a photo of the {product} as requested.", "Thanks, the order number is #{order}.",
              "I tried again this morning and it still doesn't work.", "It's urgent, it's a birthday present.",
              "Ok thank you, I will wait for the {carrier} update.", "The tracking number is {tracking}.",
              "Sorry, I forgot to say that I ordered size {size}.", "I checked with my neighbours, nothing.")
GREETINGS = ("Hello,", "Hi,", "Good morning,", "Hello there,", "Dear customer service,", "Hi team,")
SIGN_OFFS = ("Thanks, {name}", "Best regards,\n{name}", "Thank you in advance.\n{name}", "Cheers, {name}",
             "Kind regards,\n{name}", "{name}")
ANSWERS = {
    "shipping": (("I've checked with {carrier}: your parcel is at their local depot and should be delivered "
                  "within 48 hours."), "I've opened an investigation with {carrier}; they usually answer within 3 working days.",
                 "Your parcel was delivered to the relay point on {weekday}; you have 10 days to collect it.",
                 "I'm sorry about the damaged parcel. I've sent a replacement {product} at no cost."),
    "returns": (("Your return was received at our warehouse and the refund of {amount} is on its way: allow "
                 "3-5 working days for it to appear."), "I've sent you a new prepaid return label by email.",
                "I've created an exchange for size {size}; the new {product} ships as soon as we scan your return.",
                "I've refunded the second item ({amount}) that was missing from your refund."),
    "order": ("I'm sorry for the missing {product}: I've sent it separately with express delivery.",
              "I've cancelled the duplicate order; the refund of {amount} will show within 5 days.",
              "You'll find the invoice attached to your account under *My orders*.",
              "I've added the gift message, the order hasn't left the warehouse yet."),
    "payment": ("I can confirm the second charge was only an authorisation; it will disappear within 7 days.",
                "The code WELCOME10 applies from {amount}; I've applied the discount manually instead.",
                "I've refunded the price difference of {amount} to your card.",
                "Your PayPal payment went through, the order is now being prepared."),
    "product": ("Our {product} fits true to size; if you are between two sizes, take the larger one.",
                "That shouldn't happen after one wash: I've arranged a free replacement.",
                "The {product} is expected back in stock in about three weeks; I've set an alert for you.",
                "It's 100% cotton with a recycled polyester lining: no wool at all."),
    "account": ("I've sent a new reset link; it is valid for 24 hours.",
                "Your email address is now updated; you can log in with the new one.",
                "Your account and personal data will be deleted within 30 days as required.",
                "I've added the missing loyalty points to your account."),
    "other": ("Thank you for your feedback, I've passed it on to the team.",
              "Yes, we deliver to Switzerland: standard delivery costs {amount} and takes 4-6 working days.",
              "The Lyon store is open Monday to Saturday, 10am to 7pm."),
}
AGENT_OPENINGS = ("Hi {first},\n\nThanks for getting in touch.", "Hello {first},\n\nThank you for your message.",
                  "Hi {first},\n\nSorry for the trouble, and thank you for your patience.", "Dear {first},")
AGENT_EXTRAS = ("", "", "\n\nIs there anything else I can help with?",
                ("\n\nWhat you can do in the meantime:\n\n- check your spam folder for our emails\n"
                 "- keep the original packaging\n- reply to this message with any photos"),
                "\n\nYou can follow every step under **My orders** in your account.")
NOTES = ("Checked with the warehouse: {product} shipped on {weekday}, {carrier} tracking {tracking}.",
         "Customer already contacted us about this last month, see their other tickets.",
         "Refund of {amount} approved by finance.", "Opened a claim with {carrier}, ref CLM-{order}.",
         "Possible fraud: billing and shipping countries differ. Waiting for the payments team.",
         "Escalated to the product team (quality issue on this batch).",
         "Replacement reserved in stock, will ship once the return is scanned.", "VIP customer, be generous.",
         "Waiting for the supplier's answer before replying.", "Called the customer, no answer; left a voicemail.")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def person(rng) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def customer_email(name: str, n: int) -> str:
    first, last = name.lower().replace("é", "e").replace("è", "e").replace("ç", "c").replace("ï", "i").replace(
        "í", "i").replace("'", "").split(" ", 1)
    return f"{first}.{last.replace(' ', '')}{n}@{MAIL_DOMAINS[n % len(MAIL_DOMAINS)]}"


def message_id(ticket_id: int, n: int) -> str:
    return f"<{ticket_id}.{n}.bench@mail.example>"


def slots(rng, name: str, order_id: int | None) -> dict:
    """The words one ticket's messages share: its order, product, carrier..."""
    return {"order": order_id or rng.randrange(100_000, 999_999), "product": rng.choice(PRODUCTS),
            "carrier": rng.choice(CARRIERS), "size": rng.choice(SIZES), "colour": rng.choice(COLOURS),
            "amount": f"€{rng.randrange(9, 240)}.{rng.choice(('00', '50', '90', '99'))}",
            "tracking": f"{rng.choice('6789')}A{rng.randrange(10**9, 10**10)}", "weekday": rng.choice(WEEKDAYS),
            "name": name or "", "first": (name or "there").split()[0]}


def subject(rng, topic: str, words: dict) -> str:
    return rng.choice(SUBJECTS[topic]).format(**words)


def customer_message(rng, topic: str, words: dict, *, first: bool) -> str:
    if not first:
        return f"{rng.choice(FOLLOW_UPS)}\n\n{rng.choice(SIGN_OFFS)}".format(**words)
    problems = rng.sample(PROBLEMS[topic], k=min(len(PROBLEMS[topic]), rng.choice((1, 1, 2))))
    return f"{rng.choice(GREETINGS)}\n\n{' '.join(problems)}\n\n{rng.choice(SIGN_OFFS)}".format(**words)


def agent_reply(rng, topic: str, words: dict, agent: str) -> str:
    return (f"{rng.choice(AGENT_OPENINGS)}\n\n{rng.choice(ANSWERS[topic])}{rng.choice(AGENT_EXTRAS)}"
            f"\n\nBest regards,\n{agent}\nCustomer care").format(**words)


def note(rng, topic: str, words: dict) -> str:
    return rng.choice(NOTES).format(**words)
