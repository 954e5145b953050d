-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Delivery" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "broadcastId" TEXT NOT NULL,
    "residentId" TEXT NOT NULL,
    "identityId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "nextAttemptAt" DATETIME,
    "platformMessageId" TEXT,
    "sentAt" DATETIME,
    "readAt" DATETIME,
    "leaseOwner" TEXT,
    "possiblyDuplicated" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Delivery_broadcastId_fkey" FOREIGN KEY ("broadcastId") REFERENCES "Broadcast" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Delivery_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Delivery_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Delivery" ("attempts", "broadcastId", "createdAt", "id", "identityId", "lastError", "nextAttemptAt", "platformMessageId", "readAt", "residentId", "sentAt", "status") SELECT "attempts", "broadcastId", "createdAt", "id", "identityId", "lastError", "nextAttemptAt", "platformMessageId", "readAt", "residentId", "sentAt", "status" FROM "Delivery";
DROP TABLE "Delivery";
ALTER TABLE "new_Delivery" RENAME TO "Delivery";
CREATE INDEX "Delivery_status_nextAttemptAt_idx" ON "Delivery"("status", "nextAttemptAt");
CREATE INDEX "Delivery_residentId_idx" ON "Delivery"("residentId");
CREATE UNIQUE INDEX "Delivery_broadcastId_residentId_key" ON "Delivery"("broadcastId", "residentId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
