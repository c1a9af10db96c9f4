"""FAQ (elevator installation and more) texts."""

TEXTS: dict[str, str] = {
    "help.faq": "Ask a question (e.g. how many owners must agree to an elevator)",
    "help.answer": "Answer a resident's question handed over to staff",
    "faq.source": "Source: {source}; updated {updated}",
    "faq.usage": "Write your question after /faq, e.g. /faq how many owners must agree to add an elevator?\nIn a private chat you can just send the question.",
    "faq.helpful": "Did this answer help?",
    "faq.yes": "Helpful",
    "faq.no": "Not helpful",
    "faq.thanks": "Thank you for the feedback!",
    "faq.sorry": "Sorry that didn't help. Try asking another way, or pass it to staff.",
    "faq.unsure": "I'm not sure which question you mean. Is it one of these? If not, I can pass it to staff.",
    "faq.not_found": "I can't answer that yet. I can pass it to the subdistrict staff and send you their answer. Send /help to see what else I can do.",
    "faq.human": "Ask a person",
    "faq.handed_over": "Passed to staff; their answer will be sent to you.",
    "faq.already_handed_over": "This question is already with staff; please wait for their answer.",
    "faq.to_staff": "[Resident question {ref}] {question}\n(asker's committee: {committee})\nReply: /answer {id} YOUR ANSWER",
    "faq.staff_answer": 'You asked: "{question}"\nStaff answer: {answer}',
    "faq.answer_usage": "Usage: /answer NUMBER ANSWER, e.g. /answer 12 Please register at the committee office first.",
    "faq.no_such_handover": "There is no resident question number {id}.",
    "faq.already_answered": "Question {id} has been answered already; nothing was sent twice.",
    "faq.answer_sent": "Your answer was sent to the resident (question {id}).",
}
