"""WeCom texts: card buttons, the urgent mark, and notes for attachments that cannot be sent."""

TEXTS: dict[str, str] = {
    "wecom.urgent": "[URGENT] ",
    "wecom.choose": "Tap a button below, or reply with the option's number:",
    "wecom.chosen": "Chosen",
    "wecom.photo": "[photo: {name}]",
    "wecom.document": "[file: {name}]",
}
