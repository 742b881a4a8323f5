/**
 * The words surveys put around the author's texts (buttons, labels, "thank you", the
 * expired-link page, the default email subject and SMS instruction) in every
 * {@link SurveyLocale}. The survey's own texts (question, follow-up, thank-you) are the
 * author's and are never translated.
 */
import type { SurveyLocale, SurveyType } from '../../contracts/surveys.js';

/** The chrome words of one language. */
export interface PageStrings {
  /** The `lang` attribute value. */
  lang: string;
  pageTitle: string;
  /** The confirm page's button and the ask page's submit button (radios mode). */
  send: string;
  /** The follow-up form's button. */
  sendComment: string;
  thankYou: string;
  yourAnswer: (score: number) => string;
  /** The legend of the score choices. */
  chooseScore: (min: number, max: number) => string;
  /** Accessible name of a middle score ("5 out of 10"). */
  outOf: (score: number, max: number) => string;
  /** The default end labels per survey type. */
  low: Record<SurveyType, string>;
  high: Record<SurveyType, string>;
  /** Confirm page: what the page is doing, and the no-script instruction. */
  sending: string;
  pressToSend: string;
  /** Confirm page: choosing a different score. */
  orChooseAnother: string;
  /** Marks the ask page's comment box as optional. */
  optional: string;
  alreadyAnswered: string;
  invalidTitle: string;
  invalidBody: string;
  closedTitle: string;
  closedBody: string;
  /** Email: default subject prefix, link to the web page, footer's unsubscribe. */
  quickQuestion: string;
  answerOnWeb: string;
  unsubscribe: string;
  /** SMS: how to answer. */
  smsReply: (min: number, max: number) => string;
  /** In-app: the link's text. */
  answerLink: string;
}

const en: PageStrings = {
  lang: 'en',
  pageTitle: 'Survey',
  send: 'Send my answer',
  sendComment: 'Send',
  thankYou: 'Thank you',
  yourAnswer: (s) => `Your answer: ${s}`,
  chooseScore: (min, max) => `Choose a score from ${min} to ${max}`,
  outOf: (s, max) => `${s} out of ${max}`,
  low: { nps: 'Not likely', csat: 'Very unsatisfied', ces: 'Very difficult' },
  high: { nps: 'Very likely', csat: 'Very satisfied', ces: 'Very easy' },
  sending: 'Sending your answer…',
  pressToSend: 'Press the button to send your answer.',
  orChooseAnother: 'Or choose another score:',
  optional: 'optional',
  alreadyAnswered: 'You have already answered this survey.',
  invalidTitle: 'This link has expired or is not valid',
  invalidBody: 'The survey link you followed cannot be used any more. If you received a newer message, please use the link in it.',
  closedTitle: 'This survey is closed',
  closedBody: 'It no longer accepts answers. Thank you for your interest.',
  quickQuestion: 'Quick question',
  answerOnWeb: 'Trouble with the buttons? Answer on the web',
  unsubscribe: 'Unsubscribe',
  smsReply: (min, max) => `Reply with a number from ${min} to ${max}.`,
  answerLink: 'Answer the survey',
};

const fr: PageStrings = {
  lang: 'fr',
  pageTitle: 'Questionnaire',
  send: 'Envoyer ma réponse',
  sendComment: 'Envoyer',
  thankYou: 'Merci',
  yourAnswer: (s) => `Votre réponse : ${s}`,
  chooseScore: (min, max) => `Choisissez une note de ${min} à ${max}`,
  outOf: (s, max) => `${s} sur ${max}`,
  low: { nps: 'Peu probable', csat: 'Très insatisfait', ces: 'Très difficile' },
  high: { nps: 'Très probable', csat: 'Très satisfait', ces: 'Très facile' },
  sending: 'Envoi de votre réponse…',
  pressToSend: 'Appuyez sur le bouton pour envoyer votre réponse.',
  orChooseAnother: 'Ou choisissez une autre note :',
  optional: 'facultatif',
  alreadyAnswered: 'Vous avez déjà répondu à ce questionnaire.',
  invalidTitle: 'Ce lien a expiré ou n’est pas valide',
  invalidBody: 'Le lien que vous avez suivi ne peut plus être utilisé. Si vous avez reçu un message plus récent, utilisez le lien qu’il contient.',
  closedTitle: 'Ce questionnaire est clos',
  closedBody: 'Il n’accepte plus de réponses. Merci de votre intérêt.',
  quickQuestion: 'Petite question',
  answerOnWeb: 'Les boutons ne fonctionnent pas ? Répondez en ligne',
  unsubscribe: 'Se désabonner',
  smsReply: (min, max) => `Répondez par un nombre de ${min} à ${max}.`,
  answerLink: 'Répondre au questionnaire',
};

const de: PageStrings = {
  lang: 'de',
  pageTitle: 'Umfrage',
  send: 'Antwort senden',
  sendComment: 'Senden',
  thankYou: 'Vielen Dank',
  yourAnswer: (s) => `Ihre Antwort: ${s}`,
  chooseScore: (min, max) => `Wählen Sie einen Wert von ${min} bis ${max}`,
  outOf: (s, max) => `${s} von ${max}`,
  low: { nps: 'Unwahrscheinlich', csat: 'Sehr unzufrieden', ces: 'Sehr schwierig' },
  high: { nps: 'Sehr wahrscheinlich', csat: 'Sehr zufrieden', ces: 'Sehr einfach' },
  sending: 'Ihre Antwort wird gesendet …',
  pressToSend: 'Drücken Sie die Schaltfläche, um Ihre Antwort zu senden.',
  orChooseAnother: 'Oder wählen Sie einen anderen Wert:',
  optional: 'optional',
  alreadyAnswered: 'Sie haben diese Umfrage bereits beantwortet.',
  invalidTitle: 'Dieser Link ist abgelaufen oder ungültig',
  invalidBody: 'Der Link, dem Sie gefolgt sind, kann nicht mehr verwendet werden. Wenn Sie eine neuere Nachricht erhalten haben, nutzen Sie bitte den Link darin.',
  closedTitle: 'Diese Umfrage ist beendet',
  closedBody: 'Sie nimmt keine Antworten mehr an. Vielen Dank für Ihr Interesse.',
  quickQuestion: 'Kurze Frage',
  answerOnWeb: 'Probleme mit den Schaltflächen? Im Browser antworten',
  unsubscribe: 'Abmelden',
  smsReply: (min, max) => `Antworten Sie mit einer Zahl von ${min} bis ${max}.`,
  answerLink: 'Zur Umfrage',
};

const es: PageStrings = {
  lang: 'es',
  pageTitle: 'Encuesta',
  send: 'Enviar mi respuesta',
  sendComment: 'Enviar',
  thankYou: 'Gracias',
  yourAnswer: (s) => `Tu respuesta: ${s}`,
  chooseScore: (min, max) => `Elige una puntuación de ${min} a ${max}`,
  outOf: (s, max) => `${s} de ${max}`,
  low: { nps: 'Poco probable', csat: 'Muy insatisfecho', ces: 'Muy difícil' },
  high: { nps: 'Muy probable', csat: 'Muy satisfecho', ces: 'Muy fácil' },
  sending: 'Enviando tu respuesta…',
  pressToSend: 'Pulsa el botón para enviar tu respuesta.',
  orChooseAnother: 'O elige otra puntuación:',
  optional: 'opcional',
  alreadyAnswered: 'Ya has respondido a esta encuesta.',
  invalidTitle: 'Este enlace ha caducado o no es válido',
  invalidBody: 'El enlace que has seguido ya no se puede usar. Si has recibido un mensaje más reciente, usa el enlace que contiene.',
  closedTitle: 'Esta encuesta está cerrada',
  closedBody: 'Ya no acepta respuestas. Gracias por tu interés.',
  quickQuestion: 'Una pregunta rápida',
  answerOnWeb: '¿Problemas con los botones? Responde en la web',
  unsubscribe: 'Darse de baja',
  smsReply: (min, max) => `Responde con un número del ${min} al ${max}.`,
  answerLink: 'Responder a la encuesta',
};

/** The chrome words per locale. */
export const PAGE_STRINGS: Readonly<Record<SurveyLocale, PageStrings>> = { en, fr, de, es };

/** The chrome words of `locale` (English when absent or unknown). */
export function stringsFor(locale: SurveyLocale | undefined): PageStrings {
  return (locale && PAGE_STRINGS[locale]) || en;
}
