/**
 * Dispatch from a question to its type's module.
 */
import { choiceHandler } from "./choice.js";
import { multipleHandler } from "./multiple.js";
import { numberHandler } from "./number.js";
import { phoneHandler } from "./phone.js";
import { regionHandler } from "./region.js";
import { textHandler } from "./text.js";
import { yesNoHandler } from "./yesno.js";
import { questionText } from "./common.js";
import type { Outcome, QuestionScope, Rendered, Reply } from "./common.js";
import type { QuestionDefinition } from "../types.js";

/** Renders the question of `scope` (text and options, without progress). */
export function renderQuestion(scope: QuestionScope): Rendered {
  const q = scope.question;
  switch (q.type) {
    case "single":
    case "scale5":
      return choiceHandler.render({ ...scope, question: q });
    case "multiple":
      return multipleHandler.render({ ...scope, question: q });
    case "yesno":
      return yesNoHandler.render({ ...scope, question: q });
    case "number":
      return numberHandler.render({ ...scope, question: q });
    case "text":
      return textHandler.render({ ...scope, question: q });
    case "region":
      return regionHandler.render({ ...scope, question: q });
    case "phone":
      return phoneHandler.render({ ...scope, question: q });
    case "note":
      return { text: questionText(scope), options: [] };
  }
}

/** Reads a reply to the question of `scope`. */
export function handleReply(scope: QuestionScope, reply: Reply): Outcome {
  const q: QuestionDefinition = scope.question;
  switch (q.type) {
    case "single":
    case "scale5":
      return choiceHandler.handle({ ...scope, question: q }, reply);
    case "multiple":
      return multipleHandler.handle({ ...scope, question: q }, reply);
    case "yesno":
      return yesNoHandler.handle({ ...scope, question: q }, reply);
    case "number":
      return numberHandler.handle({ ...scope, question: q }, reply);
    case "text":
      return textHandler.handle({ ...scope, question: q }, reply);
    case "region":
      return regionHandler.handle({ ...scope, question: q }, reply);
    case "phone":
      return phoneHandler.handle({ ...scope, question: q }, reply);
    case "note":
      return { kind: "stale" };
  }
}
