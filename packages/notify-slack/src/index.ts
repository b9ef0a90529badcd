export { escapeMrkdwn } from './mrkdwn.js';
export { type RenderSlackMessageOptions, renderSlackMessage, SLACK_ACTION_IDS, type SlackMessage } from './slackMessage.js';
export {
  createSlackNotifier,
  type SlackNotifierCommonOptions,
  type SlackNotifierOptions,
  type SlackTokenOptions,
  type SlackWebhookOptions,
} from './slackNotifier.js';
export { SlackNotifyError } from './slackNotifyError.js';
