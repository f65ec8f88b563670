// The preview page's entry point: the pane (pane.js) on a stand-in document, with the dev sign-in, in the
// browser's language.
import { createDevSignIn } from "./auth.js";
import { PreviewHost } from "./hosts/preview.js";
import { createI18n, pickLanguage, translatePage } from "./i18n.js";
import { createPane } from "./pane.js";

const i18n = createI18n(pickLanguage(navigator.language));
translatePage(document, i18n);
createPane({ host: new PreviewHost(document.getElementById("doc")), root: document, auth: createDevSignIn(), i18n });
