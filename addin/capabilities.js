// What this Office can do, from its requirement sets (Office.context.requirements.isSetSupported), with the
// one-line reason the pane shows on a disabled feature, in English and French. A host asks once per call to
// capabilities(); isSetSupported is synchronous and cheap.
import { FEATURES } from "./hosts/host.js";
import { languageOfTag } from "./translate.js";

const WORD = "word";
const READ = "outlook-read";
const COMPOSE = "outlook-compose";

// feature -> {need: {hostKind: [set, version]}, missing: {en, fr}, elsewhere: {en, fr}}
// `missing`: the host has the feature but this Office lacks the requirement set. `elsewhere`: this host never
// has it. Versions are where Microsoft's requirement-set tables put each call.
const TABLE = {
  readSelection: {
    need: { [WORD]: ["WordApi", "1.1"], [COMPOSE]: ["Mailbox", "1.2"] },
    missing: { en: "Reading the selection needs a newer Office (WordApi 1.1 or Mailbox 1.2).",
               fr: "La lecture de la sélection nécessite une version plus récente d'Office (WordApi 1.1 ou Mailbox 1.2)." },
    elsewhere: { en: "Outlook does not share the selection of a message you are reading.",
                 fr: "Outlook ne partage pas la sélection d'un message en lecture." },
  },
  readBody: {
    need: { [WORD]: ["WordApi", "1.1"], [READ]: ["Mailbox", "1.3"], [COMPOSE]: ["Mailbox", "1.3"] },
    missing: { en: "Reading the whole text needs Word 2016 or Outlook 2016 or later (WordApi 1.1, Mailbox 1.3).",
               fr: "La lecture du texte entier nécessite Word 2016 ou Outlook 2016 ou une version ultérieure (WordApi 1.1, Mailbox 1.3)." },
    elsewhere: { en: "Not available here.", fr: "Non disponible ici." },
  },
  replace: {
    need: { [WORD]: ["WordApi", "1.1"], [COMPOSE]: ["Mailbox", "1.2"] },
    missing: { en: "Replacing text needs a newer Office (WordApi 1.1 or Mailbox 1.2).",
               fr: "Le remplacement du texte nécessite une version plus récente d'Office (WordApi 1.1 ou Mailbox 1.2)." },
    elsewhere: { en: "A message you are reading cannot be edited; draft a reply instead.",
                 fr: "Un message en lecture ne peut pas être modifié ; rédigez plutôt une réponse." },
  },
  trackedChanges: {
    need: { [WORD]: ["WordApi", "1.4"] },
    missing: { en: "Tracked changes need Word 2021 or Microsoft 365 (WordApi 1.4).",
               fr: "Les modifications suivies nécessitent Word 2021 ou Microsoft 365 (WordApi 1.4)." },
    elsewhere: { en: "Tracked changes are available only in Word.",
                 fr: "Les modifications suivies ne sont disponibles que dans Word." },
  },
  comments: {
    need: { [WORD]: ["WordApi", "1.4"] },
    missing: { en: "Comments need Word 2021 or Microsoft 365 (WordApi 1.4).",
               fr: "Les commentaires nécessitent Word 2021 ou Microsoft 365 (WordApi 1.4)." },
    elsewhere: { en: "Comments are available only in Word.", fr: "Les commentaires ne sont disponibles que dans Word." },
  },
  insertBelow: {
    need: { [WORD]: ["WordApi", "1.1"] },
    missing: { en: "Inserting below needs Word 2016 or later (WordApi 1.1).",
               fr: "L'insertion en dessous nécessite Word 2016 ou une version ultérieure (WordApi 1.1)." },
    elsewhere: { en: "Outlook can only insert at the cursor.", fr: "Outlook ne peut insérer qu'au curseur." },
  },
  insertDocx: {
    need: { [WORD]: ["WordApi", "1.1"] },
    missing: { en: "Formatted results need Word 2016 or later (WordApi 1.1).",
               fr: "Les résultats mis en forme nécessitent Word 2016 ou une version ultérieure (WordApi 1.1)." },
    elsewhere: { en: "Word documents can be inserted only in Word.",
                 fr: "Les documents Word ne peuvent être insérés que dans Word." },
  },
  insertHtml: {
    need: { [WORD]: ["WordApi", "1.1"], [COMPOSE]: ["Mailbox", "1.2"] },
    missing: { en: "Formatted text needs a newer Office (WordApi 1.1 or Mailbox 1.2).",
               fr: "Le texte mis en forme nécessite une version plus récente d'Office (WordApi 1.1 ou Mailbox 1.2)." },
    elsewhere: { en: "A message you are reading cannot be edited; draft a reply instead.",
                 fr: "Un message en lecture ne peut pas être modifié ; rédigez plutôt une réponse." },
  },
  fileAsDocx: {
    need: { [WORD]: ["CompressedFile", "1.1"] },
    missing: { en: "This Word cannot hand over the whole file; the document's text is summarized instead.",
               fr: "Ce Word ne peut pas transmettre le fichier entier ; le texte du document est résumé à la place." },
    elsewhere: { en: "Available only in Word.", fr: "Disponible uniquement dans Word." },
  },
  undo: {
    need: { [WORD]: ["WordApi", "1.1"], [COMPOSE]: ["Mailbox", "1.3"] },
    missing: { en: "Undo needs a newer Office (WordApi 1.1 or Mailbox 1.3); use Ctrl+Z instead.",
               fr: "L'annulation nécessite une version plus récente d'Office (WordApi 1.1 ou Mailbox 1.3) ; utilisez Ctrl+Z." },
    elsewhere: { en: "Nothing is changed in a message you are reading.",
                 fr: "Rien n'est modifié dans un message en lecture." },
  },
  citations: {
    // Source ids count the paragraphs in tables too; body.paragraphs lists those only from WordApi 1.3 on.
    need: { [WORD]: ["WordApi", "1.3"] },
    missing: { en: "Jumping to a source needs a newer Word (WordApi 1.3).",
               fr: "L'accès à la source nécessite une version plus récente de Word (WordApi 1.3)." },
    elsewhere: { en: "Jumping to a source paragraph is available only in Word.",
                 fr: "L'accès au paragraphe source n'est disponible que dans Word." },
  },
  // Custom document properties (CustomPropertyCollection): Microsoft 365 since Version 1612, Word 2019 perpetual.
  provenance: {
    need: { [WORD]: ["WordApi", "1.3"] },
    missing: { en: "Recording request ids in the document's properties needs Word 2019 or Microsoft 365 (WordApi 1.3).",
               fr: "L'enregistrement des identifiants de requête dans les propriétés du document nécessite Word 2019 ou Microsoft 365 (WordApi 1.3)." },
    elsewhere: { en: "Request ids are recorded only in the properties of Word documents.",
                 fr: "Les identifiants de requête ne sont enregistrés que dans les propriétés des documents Word." },
  },
  attachments: {
    need: { [READ]: ["Mailbox", "1.8"] },
    missing: { en: "Reading attachments needs Outlook 2021, Microsoft 365 or Outlook on the web (Mailbox 1.8).",
               fr: "La lecture des pièces jointes nécessite Outlook 2021, Microsoft 365 ou Outlook sur le web (Mailbox 1.8)." },
    elsewhere: { en: "Attachments are read only from a message you are reading.",
                 fr: "Les pièces jointes ne sont lues que dans un message en lecture." },
  },
  replyForm: {
    need: { [READ]: ["Mailbox", "1.1"] },
    missing: { en: "Opening a reply needs a newer Outlook (Mailbox 1.1).",
               fr: "L'ouverture d'une réponse nécessite une version plus récente d'Outlook (Mailbox 1.1)." },
    elsewhere: { en: "Replies open only from a message you are reading.",
                 fr: "Les réponses ne s'ouvrent qu'à partir d'un message en lecture." },
  },
  pinning: {
    need: { [READ]: ["Mailbox", "1.5"] },
    missing: { en: "Keeping the pane open across messages needs Outlook 2019 or later (Mailbox 1.5).",
               fr: "Garder le volet ouvert d'un message à l'autre nécessite Outlook 2019 ou une version ultérieure (Mailbox 1.5)." },
    elsewhere: { en: "The pane follows the message only while reading mail.",
                 fr: "Le volet ne suit le message qu'en lecture du courrier." },
  },
};

/** "fr" for fr, fr-CA, fr-FR...; "en" otherwise (the two languages the pane speaks). */
export function languageOf(tag) {
  return languageOfTag(tag) === "fr" ? "fr" : "en";
}

/** isSetSupported that answers false, not throws, when Office or its requirements object is missing. */
export function supports(requirements, set, version) {
  try {
    return Boolean(requirements?.isSetSupported?.(set, version));
  } catch {
    return false;
  }
}

/**
 * Every feature of FEATURES as {available, reason} for a host of this kind.
 * @param {"word" | "outlook-read" | "outlook-compose" | "preview"} kind
 * @param {{isSetSupported: (set: string, version?: string) => boolean} | undefined} requirements
 *   Office.context.requirements
 * @param {string} [language] a BCP 47 tag (Office.context.displayLanguage); French for fr*, else English
 */
export function checkCapabilities(kind, requirements, language = "en") {
  const lang = languageOf(language);
  const result = {};
  for (const feature of FEATURES) {
    const row = TABLE[feature];
    const need = row.need[kind];
    if (!need) {
      result[feature] = { available: false, reason: row.elsewhere[lang] };
    } else if (!supports(requirements, ...need)) {
      result[feature] = { available: false, reason: row.missing[lang] };
    } else {
      result[feature] = { available: true, reason: "" };
    }
  }
  return result;
}

/** The requirement set a feature needs on a host kind, e.g. ["WordApi", "1.4"], or null when it has none. */
export function requirementFor(feature, kind) {
  return TABLE[feature]?.need[kind] ?? null;
}
