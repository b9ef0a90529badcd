export { escapeHtml, type RenderEmailOptions, type RenderedEmail, renderEmail } from './emailMessage.js';
export { createEmailNotifier, type EmailMessage, type EmailNotifierOptions, type EmailTransport } from './emailNotifier.js';
export { EmailNotifyError } from './emailNotifyError.js';
