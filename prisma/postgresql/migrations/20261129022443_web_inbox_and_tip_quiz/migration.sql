-- CreateTable
CREATE TABLE "WebInboxItem" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "residentId" TEXT,
    "lang" TEXT NOT NULL,
    "messages" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebInboxItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TipQuizAnswer" (
    "id" TEXT NOT NULL,
    "residentId" TEXT NOT NULL,
    "tipId" TEXT NOT NULL,
    "broadcastId" TEXT,
    "option" TEXT NOT NULL,
    "correct" BOOLEAN NOT NULL,
    "answeredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TipQuizAnswer_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WebInboxItem_sessionId_createdAt_idx" ON "WebInboxItem"("sessionId", "createdAt");

-- CreateIndex
CREATE INDEX "WebInboxItem_residentId_idx" ON "WebInboxItem"("residentId");

-- CreateIndex
CREATE INDEX "TipQuizAnswer_tipId_idx" ON "TipQuizAnswer"("tipId");

-- CreateIndex
CREATE UNIQUE INDEX "TipQuizAnswer_residentId_tipId_key" ON "TipQuizAnswer"("residentId", "tipId");

-- AddForeignKey
ALTER TABLE "WebInboxItem" ADD CONSTRAINT "WebInboxItem_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TipQuizAnswer" ADD CONSTRAINT "TipQuizAnswer_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident"("id") ON DELETE CASCADE ON UPDATE CASCADE;
