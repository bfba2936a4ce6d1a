//! The words generated tickets are made of.

pub(super) const TOP_CATEGORIES: [&str; 20] = [
    "Billing",
    "Shipping",
    "Returns",
    "Account",
    "Login",
    "Orders",
    "Payments",
    "Subscriptions",
    "Mobile app",
    "Website",
    "Product quality",
    "Warranty",
    "Gift cards",
    "Promotions",
    "Privacy",
    "Security",
    "Integrations",
    "Reports",
    "Notifications",
    "Other",
];
pub(super) const SUB_CATEGORIES: [&str; 3] = ["Question", "Problem", "Request"];

pub(super) const PRODUCTS: [&str; 24] = [
    "desk lamp",
    "office chair",
    "standing desk",
    "monitor arm",
    "keyboard",
    "wireless mouse",
    "laptop stand",
    "headset",
    "webcam",
    "docking station",
    "coffee grinder",
    "kettle",
    "backpack",
    "water bottle",
    "phone case",
    "charger",
    "usb cable",
    "notebook",
    "printer paper",
    "toner cartridge",
    "router",
    "smart plug",
    "bookshelf",
    "floor mat",
];

pub(super) const SUBJECTS: [&str; 16] = [
    "Order {order} arrived damaged",
    "Cannot log in to my account",
    "Invoice {order} shows the wrong amount",
    "Question about my subscription",
    "Delivery of order {order} is late",
    "Password reset email never arrives",
    "App crashes when I open settings",
    "Change the delivery address of order {order}",
    "Wrong size of {product} sent",
    "Payment failed twice",
    "My {product} stopped working",
    "Missing part in order {order}",
    "Discount code not accepted",
    "How do I cancel my plan",
    "Duplicate charge on my card",
    "Tracking number for order {order} does not work",
];

pub(super) const SENTENCES: [&str; 24] = [
    "I ordered the {product} on {date} and it still has not arrived.",
    "The box was crushed and the {product} inside is scratched.",
    "I have tried three times and the page keeps loading.",
    "Your chat said someone would call me back, but nobody did.",
    "Could you please check what happened with order {order}?",
    "The tracking page has not changed for a week.",
    "I was charged twice for the same order.",
    "The instructions do not mention how to assemble the {product}.",
    "My colleague has the same problem with her account.",
    "I already restarted the app and cleared the cache.",
    "The invoice lists a {product} that I never ordered.",
    "Please send a replacement as soon as possible.",
    "I need this fixed before the end of the month.",
    "The discount from the newsletter was not applied at checkout.",
    "I moved recently and the old address is still on file.",
    "Thanks in advance for your help.",
    "This is the second time this has happened.",
    "The {product} makes a loud noise when it is switched on.",
    "I would like to change my plan to the yearly one.",
    "The confirmation email went to an address I no longer use.",
    "Customer number is {customer}, order {order}.",
    "I attached a photo of the label in my previous message.",
    "The support page says the issue is known, but gives no date.",
    "Everything else in the order was fine.",
];

pub(super) const REFUND_SENTENCES: [&str; 4] = [
    "I would like a refund for the {product}.",
    "Please refund the shipping costs of order {order}.",
    "When will the refund for order {order} reach my account?",
    "If it cannot be replaced, I want a full refund.",
];

pub(super) const CHARGEBACK_SENTENCES: [&str; 2] = [
    "My bank has opened a chargeback for this payment.",
    "I will ask my card issuer for a chargeback if this is not solved.",
];

pub(super) const MESSAGES: [&str; 6] = [
    "Thank you for reaching out. We are looking into it and will update you shortly.",
    "Could you send us a photo of the item and the shipping label?",
    "Any news on this? I am still waiting.",
    "We have passed this on to the warehouse team.",
    "I found the order confirmation, the number is in the subject.",
    "We are sorry for the trouble; a colleague will get back to you today.",
];
