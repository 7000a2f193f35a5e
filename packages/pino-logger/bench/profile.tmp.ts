import { InProcessChatModel } from "@chainwatch/testkit";
import { pino } from "pino";
import { PinoCallbackHandler } from "../src/index.js";

process.env.LANGCHAIN_CALLBACKS_BACKGROUND = "false";
const model = new InProcessChatModel({ tokens: 10 });
const handler = new PinoCallbackHandler({
  logger: pino({ level: "info" }, pino.destination({ dest: "/dev/null", sync: true })),
  content: "none",
});
const callbacks = [handler];
for (let i = 0; i < 200_000; i++) await model.invoke("What is chainwatch?", { callbacks });
