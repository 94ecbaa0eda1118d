"""The support problems demo conversations are about, with the words on both sides.

Placeholders: {first} (customer's first name), {agent} (agent's first name),
{order}, {product}, {amount}, {plan}, {company}.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    key: str
    category: str
    subject: str
    body: str  # the customer's first message
    reply: str  # an answer that solves it in one go
    ask: str  # a reply that needs something from the customer first
    answer: str  # the customer's answer to ``ask``
    final: str  # the closing reply after an answer or a consultation
    note: str  # an internal note from the owner
    consult: str | None = None  # the department that may be consulted
    tags: tuple[str, ...] = ()
    priority: str = "normal"


_THANKS = "Thanks for your patience, {first}. Let us know if anything else comes up.\n\n{agent}"

PROBLEMS: tuple[Problem, ...] = (
    Problem(
        "refund-return", "refunds", "Refund for returned order {order}",
        "Hi, I sent back order {order} ({product}) two weeks ago and the tracking says it was "
        "delivered to your warehouse on Monday, but I still haven't seen the refund of {amount}.",
        "Hi {first}, I found your return: it was checked in yesterday and I have just released "
        "the refund of {amount}. Your bank usually shows it within 3-5 business days.\n\n{agent}",
        "Hi {first}, sorry for the wait. Could you send me the return tracking number so I can "
        "match the parcel at the warehouse?\n\n{agent}",
        "Sure, the return tracking number is 1Z 999 AA1 0123 4567 84.",
        "Found it, {first}: the parcel had been scanned to the wrong order. The refund of {amount} "
        "is on its way. " + _THANKS,
        "Return scanned to a different order at the warehouse; refund not triggered.",
        consult="Billing", tags=("refund", "returns"),
    ),
    Problem(
        "double-charge", "billing", "I was charged twice",
        "My card statement shows two charges of {amount} for order {order}. I only ordered once. "
        "Please fix this, it's pushing my account into overdraft.",
        "Hi {first}, you're right: the payment was captured twice after a timeout. I've voided "
        "the duplicate charge of {amount}; it leaves your statement in 2-3 days.\n\n{agent}",
        "Hi {first}, I'm sorry about this. Could you send the last four digits of the card and "
        "the dates of both charges, so Billing can trace them?\n\n{agent}",
        "Card ending 4242, both charges on the same day, a minute apart.",
        "Billing confirmed the duplicate and refunded {amount} today. " + _THANKS,
        "Payment gateway timeout -> duplicate capture. Asked Billing to void.",
        consult="Billing", tags=("billing", "duplicate-charge"), priority="high",
    ),
    Problem(
        "invoice-copy", "billing", "Need a copy of invoice for {order}",
        "Hello, our accounts team needs a PDF invoice for order {order} with our VAT number on it. "
        "Can you send one?",
        "Hi {first}, I've attached the invoice for {order} with your VAT number. You can also "
        "download every invoice under Account > Billing.\n\n{agent}",
        "Hi {first}, happy to. Which VAT number and billing address should the invoice show?\n\n"
        "{agent}",
        "VAT number GB 123 4567 89, billing address is our head office, 1 Market Street.",
        "Here is the corrected invoice for {order}. " + _THANKS,
        "Customer needs re-issued invoice with VAT id; Billing has to re-issue.",
        consult="Billing", tags=("invoice",), priority="low",
    ),
    Problem(
        "login-failure", "account", "Can't log in to my account",
        "I keep getting 'invalid password' even right after resetting it. I've tried three times "
        "and now it says my account is locked.",
        "Hi {first}, your account was locked after several attempts. I've unlocked it and sent "
        "a fresh reset link; please use it within 30 minutes.\n\n{agent}",
        "Hi {first}, sorry about that. Which browser are you using, and do you sign in with "
        "Google or with email and password?\n\n{agent}",
        "Chrome on a Mac, email and password. Same thing on my phone.",
        "Our engineers found that reset links opened in a second tab were rejected; that's fixed "
        "now and your account is unlocked. " + _THANKS,
        "Reset token invalidated when opened in a second tab? Reproducible on staging.",
        consult="Engineering", tags=("login", "account"), priority="high",
    ),
    Problem(
        "2fa-lost-phone", "account", "Lost my phone, can't get 2FA codes",
        "My phone was stolen and I can't get the two-factor codes anymore. How do I get back "
        "into my account?",
        "Hi {first}, I've verified your identity from your last order and turned off two-factor "
        "sign-in. Please set it up again on your new phone once you're in.\n\n{agent}",
        "Hi {first}, I'm sorry to hear that. To verify it's you, what were the amount and date of "
        "your last order?\n\n{agent}",
        "It was {amount}, order {order}, about three weeks ago.",
        "Thanks, that matches. Two-factor sign-in is reset. " + _THANKS,
        "Identity check passed via last order; 2FA reset.",
        tags=("2fa", "account"), priority="normal",
    ),
    Problem(
        "shipping-delay", "shipping", "Where is my order {order}?",
        "I ordered the {product} ten days ago (order {order}) and the tracking hasn't moved "
        "since it left the warehouse. I need it before the weekend.",
        "Hi {first}, the carrier had a sorting backlog; your parcel is moving again and should "
        "arrive tomorrow. I've refunded the shipping cost as an apology.\n\n{agent}",
        "Hi {first}, sorry for the delay. Could you confirm the delivery address on the order? "
        "The carrier flagged it as incomplete.\n\n{agent}",
        "It's flat 4B, the carrier must have missed the flat number.",
        "Logistics updated the address with the carrier; delivery is booked for tomorrow. "
        + _THANKS,
        "Tracking stuck at hub for 6 days. Asked Logistics to chase the carrier.",
        consult="Logistics", tags=("shipping", "delay"),
    ),
    Problem(
        "damaged-item", "returns", "{product} arrived damaged",
        "The {product} from order {order} arrived with a cracked frame. The box looked fine. "
        "I'd like a replacement, not a refund.",
        "Hi {first}, I'm sorry it arrived like that. A replacement ships today at no cost, and "
        "there's no need to send the damaged one back.\n\n{agent}",
        "Hi {first}, I'm sorry. Could you send a photo of the damage and of the shipping label, "
        "so we can claim it from the carrier?\n\n{agent}",
        "Photos attached. The crack is on the left side.",
        "Thanks for the photos. Logistics has sent the replacement, tracking to follow by email. "
        + _THANKS,
        "Third damaged {product} this month; packaging issue?",
        consult="Logistics", tags=("damaged", "replacement"),
    ),
    Problem(
        "wrong-item", "returns", "Wrong item in my package",
        "I ordered a {product} but received something completely different. Order {order}.",
        "Hi {first}, sorry for the mix-up. The right {product} ships today by express, and a "
        "prepaid return label for the wrong item is attached.\n\n{agent}",
        "Hi {first}, sorry about that. What's the item number on the label of what you "
        "received?\n\n{agent}",
        "It says SKU 88-1042.",
        "Logistics found the picking error; your {product} is on its way. " + _THANKS,
        "Picking error at warehouse.",
        consult="Logistics", tags=("wrong-item", "returns"),
    ),
    Problem(
        "cancel-order", "orders", "Please cancel order {order}",
        "I ordered by mistake, please cancel order {order} before it ships.",
        "Hi {first}, done: order {order} is cancelled and the {amount} authorisation is "
        "released.\n\n{agent}",
        "Hi {first}, the order is already packed. Do you want to cancel anyway (we'll intercept "
        "it) or return it once it arrives?\n\n{agent}",
        "Cancel it please, I don't need it.",
        "Intercepted and cancelled; the refund of {amount} is on its way. " + _THANKS,
        "Order already packed; needs intercept.",
        consult="Logistics", tags=("cancellation",), priority="normal",
    ),
    Problem(
        "change-address", "orders", "Change delivery address",
        "I just moved. Can you change the delivery address for order {order}?",
        "Hi {first}, I've updated the address; the label hadn't been printed yet, so no delay."
        "\n\n{agent}",
        "Hi {first}, sure. What's the new address, including the postcode?\n\n{agent}",
        "12 Orchard Lane, Springfield, 49007.",
        "Address updated on {order}. " + _THANKS,
        "Address change before label print.",
        tags=("address-change",), priority="low",
    ),
    Problem(
        "app-crash", "bugs", "App crashes when I open my orders",
        "Since yesterday's update the app closes as soon as I tap 'My orders'. iPhone 13, "
        "latest iOS. Reinstalling didn't help.",
        "Hi {first}, thanks for the report. This is a known issue in version 4.2.0; version 4.2.1 "
        "with the fix is live in the App Store now.\n\n{agent}",
        "Hi {first}, thanks. Could you tell me the app version (Settings > About) and whether it "
        "also happens on Wi-Fi?\n\n{agent}",
        "Version 4.2.0, and yes, on Wi-Fi too.",
        "Engineering shipped a fix in 4.2.1; please update and it will work again. " + _THANKS,
        "Crash in orders list on 4.2.0 for accounts with a cancelled order. Sent to Engineering.",
        consult="Engineering", tags=("bug", "mobile-app"), priority="high",
    ),
    Problem(
        "checkout-error", "bugs", "Error at checkout: payment failed",
        "Every time I try to pay I get 'Something went wrong (code 502)'. My card works "
        "everywhere else.",
        "Hi {first}, we had a short outage with our payment provider this morning; it's over now "
        "and checkout works again. Sorry for the trouble.\n\n{agent}",
        "Hi {first}, sorry! What time did you try, and which payment method did you use?\n\n"
        "{agent}",
        "Around 10am, with a Visa card, three times.",
        "Engineering traced it to a timeout with the payment provider and fixed it. " + _THANKS,
        "502 from payment gateway; several reports this morning.",
        consult="Engineering", tags=("bug", "checkout"), priority="urgent",
    ),
    Problem(
        "export-broken", "bugs", "CSV export is empty",
        "When I export my order history to CSV the file only has the header row. We need it for "
        "our monthly reconciliation at {company}.",
        "Hi {first}, the export skipped orders older than a year; that's fixed, and a fresh "
        "export now includes everything.\n\n{agent}",
        "Hi {first}, which date range did you pick, and roughly how many orders should it "
        "contain?\n\n{agent}",
        "The whole of last year, should be around 400 orders.",
        "Engineering fixed the export for large ranges; please try again. " + _THANKS,
        "Export times out silently above ~300 rows.",
        consult="Engineering", tags=("bug", "export"),
    ),
    Problem(
        "api-rate-limit", "integrations", "API returns 429 too often",
        "Our integration at {company} gets HTTP 429 after only a few dozen requests per minute. "
        "The docs say the limit is 600.",
        "Hi {first}, your key was on the old trial limit. I've moved it to the {plan} limit of "
        "600 requests a minute.\n\n{agent}",
        "Hi {first}, could you send the request id from one of the 429 responses (the "
        "X-Request-Id header)?\n\n{agent}",
        "Here's one: req_7f3a9c2e. It happens every morning at 9.",
        "Engineering raised the limit on your key and fixed the plan sync. " + _THANKS,
        "Key stuck on trial limits after plan upgrade.",
        consult="Engineering", tags=("api", "integration"), priority="normal",
    ),
    Problem(
        "webhook-missing", "integrations", "Webhooks stopped arriving",
        "We stopped receiving order webhooks at {company} two days ago. Nothing changed on our "
        "side and the endpoint is up.",
        "Hi {first}, your endpoint's TLS certificate expired, so deliveries were failing. Once "
        "it's renewed we'll resend everything from the last 72 hours.\n\n{agent}",
        "Hi {first}, which endpoint URL is configured, and do you see any requests from us in "
        "your logs?\n\n{agent}",
        "Our endpoint is /hooks/orders, and nothing in the logs since Tuesday.",
        "Engineering found the deliveries were paused after timeouts; they're re-enabled and "
        "replayed. " + _THANKS,
        "Webhook auto-disabled after 5 timeouts.",
        consult="Engineering", tags=("webhooks", "integration"), priority="high",
    ),
    Problem(
        "plan-upgrade", "billing", "Upgrade to {plan} plan",
        "We'd like to upgrade {company} to the {plan} plan. Is the price prorated for this "
        "month?",
        "Hi {first}, yes, it's prorated. I've upgraded you to {plan}; the difference of {amount} "
        "appears on your next invoice.\n\n{agent}",
        "Hi {first}, great! How many seats do you need on {plan}?\n\n{agent}",
        "25 seats to start.",
        "You're on {plan} with 25 seats. " + _THANKS,
        "Upgrade with proration; Billing to adjust the next invoice.",
        consult="Billing", tags=("upgrade", "sales"), priority="low",
    ),
    Problem(
        "cancel-subscription", "billing", "Cancel my subscription",
        "Please cancel my subscription. It's too expensive for how little I use it.",
        "Hi {first}, done: your subscription ends at the close of this billing period and you "
        "won't be charged again. You keep access until then.\n\n{agent}",
        "Hi {first}, sorry to see you go. Before I cancel: would a switch to the Starter plan at "
        "half the price suit you better?\n\n{agent}",
        "No thanks, please cancel.",
        "Cancelled; no further charges. " + _THANKS,
        "Churn risk; offered downgrade.",
        tags=("cancellation", "churn-risk"),
    ),
    Problem(
        "payment-declined", "billing", "Payment declined on renewal",
        "My renewal payment was declined and now I'm locked out. I updated my card, what now?",
        "Hi {first}, I've retried the payment with your new card; it went through and your "
        "account is active again.\n\n{agent}",
        "Hi {first}, sorry about that. Did you update the card under Account > Billing? I don't "
        "see a new card yet.\n\n{agent}",
        "Oh, I updated it in the app. Done now on the website.",
        "Payment went through and access is restored. " + _THANKS,
        "Card saved in app didn't sync to billing profile.",
        consult="Billing", tags=("billing", "payment"), priority="normal",
    ),
    Problem(
        "promo-code", "orders", "Discount code doesn't work",
        "The code SPRING20 from your newsletter says 'invalid' at checkout.",
        "Hi {first}, the code only works on full-price items; I've applied the 20% manually to "
        "order {order} and refunded the difference.\n\n{agent}",
        "Hi {first}, which items are in your basket? Some products are excluded.\n\n{agent}",
        "Just the {product}.",
        "I've applied the discount manually. " + _THANKS,
        "Promo excluded the {product} by mistake.",
        tags=("promo",), priority="low",
    ),
    Problem(
        "warranty-claim", "returns", "{product} stopped working",
        "My {product} stopped working after 8 months. It's still under warranty, right?",
        "Hi {first}, yes, it's covered. A replacement is on its way; please send the old one "
        "back with the prepaid label attached.\n\n{agent}",
        "Hi {first}, yes, it's under warranty. Could you describe what happens when you switch "
        "it on?\n\n{agent}",
        "Nothing at all, no lights. Tried another outlet and cable.",
        "Logistics has shipped a replacement. " + _THANKS,
        "Warranty replacement, dead on power.",
        consult="Logistics", tags=("warranty", "replacement"),
    ),
    Problem(
        "gdpr-export", "privacy", "Request for my personal data",
        "Under GDPR I'd like a copy of all personal data you hold about me.",
        "Hi {first}, your data export is ready; I've sent a download link to your email address "
        "on file. It stays valid for 7 days.\n\n{agent}",
        "Hi {first}, of course. To protect your data, please confirm the postcode of your "
        "billing address.\n\n{agent}",
        "It's 49007.",
        "Identity confirmed; your data export is in your inbox. " + _THANKS,
        "Subject access request: 30-day deadline.",
        consult="Engineering", tags=("privacy", "gdpr"),
    ),
    Problem(
        "delete-account", "privacy", "Delete my account",
        "Please delete my account and all my data.",
        "Hi {first}, your account and personal data are scheduled for deletion within 30 days, "
        "as our privacy policy says. Order records we must keep for tax law are anonymised.\n\n"
        "{agent}",
        "Hi {first}, sorry to see you go. You have an open order ({order}); shall I delete the "
        "account after it arrives?\n\n{agent}",
        "Yes, after it arrives is fine.",
        "Deletion scheduled for after delivery. " + _THANKS,
        "Erasure request; hold until open order delivered.",
        tags=("privacy", "churn-risk"),
    ),
    Problem(
        "password-reset-email", "account", "Password reset email never arrives",
        "I've requested a password reset five times and no email arrives. Not in spam either.",
        "Hi {first}, your address was on our bounce list after an old delivery failure. I've "
        "cleared it and sent a new reset email.\n\n{agent}",
        "Hi {first}, which email address did you request the reset for?\n\n{agent}",
        "The one I'm writing from.",
        "Engineering cleared the suppression for your address; the email should arrive now. "
        + _THANKS,
        "Address on the mail provider's suppression list.",
        consult="Engineering", tags=("login", "email-delivery"),
    ),
    Problem(
        "invoice-wrong-amount", "billing", "Invoice amount is wrong",
        "Our invoice this month is {amount} but we have fewer seats than last month. Can you "
        "check?",
        "Hi {first}, the removed seats were billed until their end date; next month's invoice "
        "drops accordingly. I've attached the breakdown.\n\n{agent}",
        "Hi {first}, can you tell me the invoice number so I can check the line items?\n\n"
        "{agent}",
        "INV-2024-0815.",
        "Billing corrected the invoice and issued a credit note for the difference. " + _THANKS,
        "Seat removal not applied to billing; credit note needed.",
        consult="Billing", tags=("invoice", "billing"),
    ),
    Problem(
        "feature-question", "how-to", "How do I add a team member?",
        "How can I add a colleague to our {company} account so they can see orders too?",
        "Hi {first}, go to Settings > Team > Invite, enter their email and choose 'Viewer'. "
        "They'll get an invitation email.\n\n{agent}",
        "Hi {first}, should your colleague be able to place orders too, or only view them?\n\n"
        "{agent}",
        "Only view them.",
        "Then invite them as 'Viewer' under Settings > Team. " + _THANKS,
        "How-to; candidate for a knowledge base article.",
        tags=("how-to",), priority="low",
    ),
    Problem(
        "stock-question", "pre-sales", "When is the {product} back in stock?",
        "The {product} has been out of stock for weeks. Any idea when it's back?",
        "Hi {first}, the next delivery arrives on the 15th. I've added you to the notification "
        "list so you hear first.\n\n{agent}",
        "Hi {first}, which colour are you after? Stock differs by colour.\n\n{agent}",
        "The black one.",
        "Black is due back on the 15th; you're on the notification list. " + _THANKS,
        "Pre-sales question.",
        tags=("stock", "pre-sales"), priority="low",
    ),
    Problem(
        "bulk-order", "pre-sales", "Quote for 50 units of {product}",
        "{company} would like a quote for 50 units of the {product}, delivered to two offices.",
        "Hi {first}, I've attached a quote with our 15% volume discount, including delivery to "
        "both offices.\n\n{agent}",
        "Hi {first}, happy to help. What are the two delivery addresses and your target "
        "date?\n\n{agent}",
        "London and Manchester, by the end of next month.",
        "Quote attached, delivery to both offices by your date. " + _THANKS,
        "Volume quote; account owner in copy.",
        tags=("quote", "sales"),
    ),
    Problem(
        "missing-parcel", "shipping", "Parcel marked delivered but not here",
        "Tracking says order {order} was delivered yesterday, but nothing arrived and my "
        "neighbours don't have it.",
        "Hi {first}, I'm sorry. I've opened a claim with the carrier and sent a replacement by "
        "express, so you're not left waiting.\n\n{agent}",
        "Hi {first}, sorry to hear that. Could you check for a safe-place photo in the tracking "
        "and whether a card was left?\n\n{agent}",
        "No photo, no card, nothing.",
        "Logistics filed the claim and sent a replacement. " + _THANKS,
        "Delivered-not-received; carrier claim.",
        consult="Logistics", tags=("shipping", "lost-parcel"), priority="high",
    ),
    Problem(
        "sync-issue", "bugs", "Orders not syncing to our ERP",
        "Since Friday, orders from {company} aren't showing up in our ERP connector. This blocks "
        "our warehouse.",
        "Hi {first}, the connector's token expired on Friday. I've renewed it and re-queued the "
        "missing orders; they should appear within the hour.\n\n{agent}",
        "Hi {first}, which connector version are you on, and do you see an error in its log?\n\n"
        "{agent}",
        "Version 2.3, the log says 'unauthorized'.",
        "Engineering renewed the connector token and replayed the orders. " + _THANKS,
        "ERP connector token expiry isn't alerted; follow up with Engineering.",
        consult="Engineering", tags=("integration", "erp"), priority="urgent",
    ),
    Problem(
        "complaint-service", "complaints", "Very disappointed with your service",
        "This is the third time I've had to write about order {order}. Nobody answers properly. "
        "I'm considering cancelling everything.",
        "Hi {first}, I'm sorry: you should not have had to write three times. I've taken this "
        "over personally, refunded the shipping and added a {amount} credit to your "
        "account.\n\n{agent}",
        "Hi {first}, I'm sorry, you should have had an answer the first time. So I get it right: "
        "what's the one thing you need from us today?\n\n{agent}",
        "I just need the order delivered complete, that's all.",
        "The missing part was shipped by express today and a credit is on your account. "
        + _THANKS,
        "Angry, repeat contact. Service recovery: credit within authority limit.",
        tags=("complaint", "churn-risk"), priority="high",
    ),
)  # fmt: skip

REOPEN_MESSAGES = (
    "Sorry to come back to this, but it's happening again.",
    "I thought this was sorted, but nothing has changed on my side.",
    "The problem is back since this morning. Can you take another look?",
    "Thanks, but I still don't see the change you mentioned.",
)

CHASE_MESSAGES = (
    "Any update on this?",
    "Hello? I'm still waiting for an answer.",
    "Just following up on my message from earlier.",
)

DUPLICATE_MESSAGES = (
    "I sent an email about this earlier and haven't heard back: {subject}",
    "Following up on my email. {subject}",
)

CONSULT_NOTES = {
    "Billing": "Checked in the payment system: confirmed, corrected on our side. Customer "
    "can be told it's done.",
    "Engineering": "Reproduced and fixed; the change is deployed. Root cause noted in the "
    "incident log.",
    "Logistics": "Spoke to the carrier / warehouse: sorted, new tracking number attached "
    "to the order.",
}

CONSULT_ACK = (
    "Hi {first}, thanks for the details. I've asked our {team} team to check this and I'll "
    "come back to you as soon as I hear from them.\n\n{agent}"
)

REOPEN_REPLY = (
    "Sorry about that, {first}. I've looked at it again and found what was left over; it's "
    "sorted properly now. Please tell me if you see it again.\n\n{agent}"
)

PHONE_OPENING = "Phone call. The customer says: {body}"

HANDOVER_NOTES = (
    "Handing this over while I'm out this afternoon.",
    "Rebalancing the queue: taking this one over.",
)
