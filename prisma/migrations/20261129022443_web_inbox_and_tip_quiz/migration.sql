-- CreateTable
CREATE TABLE "WebInboxItem" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "residentId" TEXT,
    "lang" TEXT NOT NULL,
    "messages" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WebInboxItem_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "TipQuizAnswer" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "residentId" TEXT NOT NULL,
    "tipId" TEXT NOT NULL,
    "broadcastId" TEXT,
    "option" TEXT NOT NULL,
    "correct" BOOLEAN NOT NULL,
    "answeredAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "TipQuizAnswer_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "WebInboxItem_sessionId_createdAt_idx" ON "WebInboxItem"("sessionId", "createdAt");

-- CreateIndex
CREATE INDEX "WebInboxItem_residentId_idx" ON "WebInboxItem"("residentId");

-- CreateIndex
CREATE INDEX "TipQuizAnswer_tipId_idx" ON "TipQuizAnswer"("tipId");

-- CreateIndex
CREATE UNIQUE INDEX "TipQuizAnswer_residentId_tipId_key" ON "TipQuizAnswer"("residentId", "tipId");
