-- CreateTable
CREATE TABLE "Household" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "regionId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "addressKey" TEXT NOT NULL,
    "headName" TEXT,
    "phone" TEXT,
    "officerId" TEXT,
    "residentId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Household_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Household_officerId_fkey" FOREIGN KEY ("officerId") REFERENCES "Resident" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Household_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Visit" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "clientId" TEXT NOT NULL,
    "officerId" TEXT NOT NULL,
    "householdId" TEXT NOT NULL,
    "visitedAt" DATETIME NOT NULL,
    "leaflet" BOOLEAN NOT NULL,
    "tips" TEXT NOT NULL,
    "survey" TEXT NOT NULL,
    "notes" TEXT,
    "responseId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Visit_officerId_fkey" FOREIGN KEY ("officerId") REFERENCES "Resident" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Visit_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Response" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "residentId" TEXT,
    "waveId" TEXT NOT NULL,
    "questionnaireId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'in_progress',
    "channel" TEXT NOT NULL,
    "officerId" TEXT,
    "regionId" TEXT,
    "mode" TEXT NOT NULL DEFAULT 'self',
    "householdId" TEXT,
    "clientId" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Response_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Response_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Response_waveId_fkey" FOREIGN KEY ("waveId") REFERENCES "Wave" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Response_questionnaireId_fkey" FOREIGN KEY ("questionnaireId") REFERENCES "Questionnaire" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Response_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Response" ("channel", "completedAt", "id", "officerId", "questionnaireId", "regionId", "residentId", "startedAt", "status", "updatedAt", "waveId") SELECT "channel", "completedAt", "id", "officerId", "questionnaireId", "regionId", "residentId", "startedAt", "status", "updatedAt", "waveId" FROM "Response";
DROP TABLE "Response";
ALTER TABLE "new_Response" RENAME TO "Response";
CREATE INDEX "Response_waveId_status_idx" ON "Response"("waveId", "status");
CREATE INDEX "Response_regionId_idx" ON "Response"("regionId");
CREATE INDEX "Response_completedAt_idx" ON "Response"("completedAt");
CREATE UNIQUE INDEX "Response_residentId_waveId_key" ON "Response"("residentId", "waveId");
CREATE UNIQUE INDEX "Response_householdId_waveId_key" ON "Response"("householdId", "waveId");
CREATE UNIQUE INDEX "Response_officerId_clientId_key" ON "Response"("officerId", "clientId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "Household_residentId_key" ON "Household"("residentId");

-- CreateIndex
CREATE INDEX "Household_officerId_idx" ON "Household"("officerId");

-- CreateIndex
CREATE UNIQUE INDEX "Household_regionId_addressKey_key" ON "Household"("regionId", "addressKey");

-- CreateIndex
CREATE INDEX "Visit_householdId_idx" ON "Visit"("householdId");

-- CreateIndex
CREATE INDEX "Visit_visitedAt_idx" ON "Visit"("visitedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Visit_officerId_clientId_key" ON "Visit"("officerId", "clientId");
