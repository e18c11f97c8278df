/** Short answers inside a form: yes, no, cancel. Anchored to the whole message to avoid false hits. */
const END = "[\\s。.!！,，~～啊呀吧哈]*(?:please|thanks|thank you|谢谢|麻烦了)?[\\s。.!！,，~～]*$";

const YES = new RegExp(
  `^(对|对的|对啊|是|是的|没错|确认|确定|好|好的|可以|嗯+|行|没问题|提交|ok|okay|yes|yep|yeah|yup|correct|right|sure|confirm|confirmed|that's right|that is right|exactly|go ahead|please do)${END}`,
  "i",
);
const NO_START =
  /^(不对|不是|错了|不|否|no|nope|wrong|not right|incorrect|that's wrong|that is wrong|actually)(?![a-z])/i;
const CANCEL = new RegExp(
  `^(算了|不用了|不办了|先不了|先不用了|不弄了|取消|取消吧|取消了|不要了|不需要了|never ?mind|forget it|forget about it|cancel|cancel that|cancel it|stop|no thanks|leave it)${END}`,
  "i",
);
const CANCEL_START = /^(算了|never ?mind|forget it)/i;

export function isYes(text: string): boolean {
  return YES.test(text.trim());
}

export function isNo(text: string): boolean {
  return NO_START.test(text.trim());
}

export function isCancel(text: string): boolean {
  const t = text.trim();
  return CANCEL.test(t) || CANCEL_START.test(t);
}

const CANCEL_HANDOFF =
  /^(?:(?:那就|那|还是)?(?:不用|不需要|取消|不要)(?:转|找)?人工(?:客服)?了?|(?:i )?(?:don't|do not) need (?:a |an )?(?:human|agent|person)(?: anymore| any more)?|cancel (?:the )?(?:transfer|hand-?off|request))[\s。.!！,，~～]*(?:please|thanks|thank you|谢谢)?[\s。.!！,，~～]*$/i;

/**
 * A customer waiting for an agent withdraws the request: a bare cancel ("算了", "never mind") or
 * an explicit one ("不用转人工了", "I don't need a human anymore"). Only whole messages count:
 * "算了，我还是等吧" keeps its place in the queue.
 */
export function cancelsHandoff(text: string): boolean {
  const t = text.trim();
  return CANCEL.test(t) || CANCEL_HANDOFF.test(t);
}
