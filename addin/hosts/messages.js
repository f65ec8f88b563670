// What a host says when it cannot do what the pane asked, in English and French (Office's display language, or
// the preview's). The pane shows these as they are (a HostError's message), so each is one plain sentence.
// Messages only a programming mistake could cause (an unknown apply mode) stay in English in the hosts.
import { languageOf } from "../capabilities.js";

const MESSAGES = {
  documentChanged: {
    en: "The document changed since Drafter read it. Select the text again and run once more.",
    fr: "Le document a changé depuis que Drafter l’a lu. Sélectionnez de nouveau le texte et relancez.",
  },
  messageChanged: {
    en: "The message changed since Drafter read it. Select the text again and run once more.",
    fr: "Le message a changé depuis que Drafter l’a lu. Sélectionnez de nouveau le texte et relancez.",
  },
  nothingToUndo: { en: "There is nothing to undo.", fr: "Il n’y a rien à annuler." },
  trackedUndo: {
    en: "Drafter cannot undo a tracked change: reject it in Word (Review, Reject).",
    fr: "Drafter ne peut pas annuler une modification suivie : refusez-la dans Word (Révision, Refuser).",
  },
  nothingToInsert: { en: "There is nothing to insert.", fr: "Il n’y a rien à insérer." },
  wholeFileUnread: {
    en: "The whole file could not be read ({reason}); its text is summarized instead.",
    fr: "Le fichier entier n’a pas pu être lu ({reason}) ; son texte est résumé à la place.",
  },
  fileTooLarge: {
    en: "it is {size} MB, over the {limit} MB that can be sent",
    fr: "il fait {size} Mo, au-delà des {limit} Mo qui peuvent être envoyés",
  },
  fileShort: { en: "Word sent {received} of {size} bytes", fr: "Word a transmis {received} octets sur {size}" },
  sourceInAttachment: {
    en: "That source is in an attachment, not in this document.",
    fr: "Cette source se trouve dans une pièce jointe, pas dans ce document.",
  },
  unknownSource: { en: "Unknown source: {id}", fr: "Source inconnue : {id}" },
  paragraphGone: {
    en: "Paragraph {n} is no longer in the document.",
    fr: "Le paragraphe {n} n’est plus dans le document.",
  },
  noMessage: { en: "Open or select a message first.", fr: "Ouvrez ou sélectionnez d’abord un message." },
  cursorOnly: { en: "Outlook can only insert at the cursor.", fr: "Outlook ne peut insérer qu’au curseur." },
  replaceNeedsText: {
    en: "Outlook needs the result as text to replace a selection.",
    fr: "Outlook a besoin du résultat sous forme de texte pour remplacer une sélection.",
  },
  docxOnlyInWord: {
    en: "Word documents can be inserted only in Word.",
    fr: "Les documents Word ne peuvent être insérés que dans Word.",
  },
  plainTextMessage: {
    en: "This message is in plain text; formatted text cannot go into it.",
    fr: "Ce message est en texte brut ; du texte mis en forme ne peut pas y être inséré.",
  },
  replyTooLong: {
    en: "The reply is too long for Outlook's reply form (32 KB at most); copy it instead.",
    fr: "La réponse est trop longue pour le formulaire de réponse d’Outlook (32 Ko au plus) ; copiez-la plutôt.",
  },
  attachmentNotFile: {
    en: "Only files attached to the message are read, not links or items.",
    fr: "Seuls les fichiers joints au message sont lus, pas les liens ni les éléments.",
  },
  attachmentType: { en: "Only Word, Excel and PDF files are read.", fr: "Seuls les fichiers Word, Excel et PDF sont lus." },
  attachmentTooLarge: { en: "Larger than {limit}.", fr: "Plus de {limit}." },
  attachmentCount: { en: "Only the first {count} files are read.", fr: "Seuls les {count} premiers fichiers sont lus." },
  attachmentsTotal: {
    en: "With the message and the files before it, over the {limit} one request can carry.",
    fr: "Avec le message et les fichiers précédents, au-delà des {limit} qu’une requête peut transporter.",
  },
  attachmentNoContent: {
    en: "Outlook did not hand over this file's content.",
    fr: "Outlook n’a pas transmis le contenu de ce fichier.",
  },
  previewNoParagraph: {
    en: "Drafter can only go to a paragraph of the document, not {id}.",
    fr: "Drafter ne peut aller qu’à un paragraphe du document, pas à {id}.",
  },
  previewParagraphGone: {
    en: "The document has no paragraph {n} any more.",
    fr: "Le document n’a plus de paragraphe {n}.",
  },
};

/** The message `key` in the language of `tag` (a BCP 47 tag: French for fr*, else English), {name}s filled. */
export function hostMessage(tag, key, params = {}) {
  const entry = MESSAGES[key];
  if (!entry) return key;
  const template = entry[languageOf(tag)] ?? entry.en;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Every key, for tests (each has both languages and the same placeholders). */
export const HOST_MESSAGES = MESSAGES;
